// A signature drawn with a finger on a canvas, kept as a JPEG photo of kind "signature"
// (white background, so it prints and shows the same everywhere).
import { h } from './dom.js';
import { t } from './i18n.js';

export function signaturePad(label, testid) {
  const canvas = h('canvas', { class: 'signature', width: 600, height: 200, role: 'img', 'aria-label': label, 'data-testid': testid });
  const context = canvas.getContext('2d');
  let strokes = 0;
  let last = null;
  const clear = () => {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
  };
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    strokes += 1;
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const next = point(event);
    context.strokeStyle = '#111';
    context.lineWidth = 3;
    context.lineCap = 'round';
    context.beginPath();
    context.moveTo(...last);
    context.lineTo(...next);
    context.stroke();
    last = next;
  });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();
  const element = h('div', { class: 'signature-pad' }, h('p', { class: 'label' }, label), canvas,
    h('button', { type: 'button', class: 'link', onclick: clear }, t('review.clear_signature')));
  return {
    element,
    isEmpty: () => strokes === 0,
    toJpeg: () => new Promise((resolve) => canvas.toBlob((blob) => resolve(blob.arrayBuffer()), 'image/jpeg', 0.9)),
  };
}
