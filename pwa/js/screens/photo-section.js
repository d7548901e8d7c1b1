// Photos of an inspection: per defect (the last one recorded) and of the inspection itself
// (packing, labels, cartons). The thumbnails come from the phone, at once, offline.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { takePhoto, thumbnailUrl } from '../photos.js';

export async function gallery(photos) {
  const items = [];
  for (const photo of photos) {
    const signature = photo.kind === 'signature';
    items.push(h('li', { class: signature ? 'signature-photo' : null },
      h('img', { src: await thumbnailUrl(photo.sha256), alt: photo.caption || t('photos.alt'),
                 width: signature ? 192 : 96, height: signature ? 64 : 96, loading: 'lazy', 'data-testid': 'thumb' }),
      signature && photo.caption ? h('span', { class: 'caption' }, photo.caption) : null,
      // One photo, and offline nothing uploads: it waits (it said "photos uploading").
      photo.storage_state === 'stored' ? null : h('span', { class: 'badge uploading' }, t('photos.waiting'))));
  }
  return h('ul', { class: 'gallery' }, items);
}

export function cameraButton(label, testid, onFiles) {
  return h('label', { class: 'button' }, label,
    h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', 'data-testid': testid,
      onchange: (event) => onFiles([...event.target.files]) }));
}

// compact: the camera buttons and the photos folded under one line, for the top of the tally.
const galleryOpen = new Set();

export async function photoSection(context, { readOnly, onChange, rerender, compact = false }) {
  const { inspection, defects, photos } = context;
  const lastDefect = defects.filter((d) => d._pending).at(-1) || defects.at(-1);
  const take = (belongsTo, kind) => async (files) => {
    for (const file of files) await takePhoto(file, belongsTo, kind);
    onChange?.();
    await rerender();
  };
  const shown = photos.filter((p) => p.kind !== 'signature');
  // Shorter words on the tally's bar, so both buttons fit one row at 360 px.
  const cameras = readOnly ? null : h('div', { class: 'actions' },
    lastDefect ? cameraButton(t(compact ? 'photos.defect_short' : 'photos.defect'), 'photo-defect',
      take({ defect_id: lastDefect.id }, 'defect')) : null,
    cameraButton(t(compact ? 'photos.inspection_short' : 'photos.inspection'), 'photo-inspection',
      take({ inspection_id: inspection.id }, 'inspection')));
  if (compact) {
    return h('section', { class: 'card photos-bar', 'data-testid': 'photos-bar' }, cameras,
      h('details', { open: galleryOpen.has(inspection.id) || null,
        ontoggle: (e) => (e.target.open ? galleryOpen.add(inspection.id) : galleryOpen.delete(inspection.id)) },
      h('summary', { 'data-testid': 'show-photos' }, t('photos.count', { n: shown.length })),
      await gallery(shown)));
  }
  return h('section', { class: 'card' }, h('h2', {}, t('photos.title')), cameras, await gallery(shown));
}
