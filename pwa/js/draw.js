// Drawing the screen. A screen reads the phone's database before it mounts, so two draws can overlap: a
// tap's redraw still reading while the inspector moves to another screen, or a screen opened while the one
// before it is still being built. Whichever finished last would win, and an older draw finishing late put a
// screen already left, or counts from before the tap, back over the newer one. Draws therefore run one after
// another, in the order asked: the last one asked is the one left on screen.
let drawing = Promise.resolve();

// Never await draw() from inside a draw (a screen's own build): that one would wait for itself.
export function draw(build) {
  const run = drawing.then(build);
  drawing = run.catch(() => {});
  return run;
}
