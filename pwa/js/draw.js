// Drawing the screen. A screen reads the phone's database before it mounts, so two draws can overlap: a
// tap's redraw still reading while the inspector moves to another screen, or a screen opened while the one
// before it is still being built. Whichever finished last would win, and an older draw finishing late put a
// screen already left, or counts from before the tap, back over the newer one. Draws therefore run one after
// another, in the order asked: the last one asked is the one left on screen.
// From the moment a draw is asked until the last one asked has finished, <html data-drawing> is set: what is
// on screen is about to change (a screen's own "ready" mark may still be the one of the draw before).
let drawing = Promise.resolve();
let unfinished = 0;

// Never await draw() from inside a draw (a screen's own build): that one would wait for itself.
export function draw(build) {
  unfinished += 1;
  document.documentElement.dataset.drawing = 'true';
  const run = drawing.then(build);
  drawing = run.catch(() => {}).finally(() => {
    unfinished -= 1;
    if (!unfinished) delete document.documentElement.dataset.drawing;
  });
  return run;
}
