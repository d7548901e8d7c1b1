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
      photo.storage_state === 'stored' ? null : h('span', { class: 'badge uploading' }, t('inspection.photos_uploading'))));
  }
  return h('ul', { class: 'gallery' }, items);
}

export function cameraButton(label, testid, onFiles) {
  return h('label', { class: 'button' }, label,
    h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', 'data-testid': testid,
      onchange: (event) => onFiles([...event.target.files]) }));
}

export async function photoSection(context, { readOnly, onChange, rerender }) {
  const { inspection, defects, photos } = context;
  const lastDefect = defects.filter((d) => d._pending).at(-1) || defects.at(-1);
  const take = (belongsTo, kind) => async (files) => {
    for (const file of files) await takePhoto(file, belongsTo, kind);
    onChange?.();
    await rerender();
  };
  return h('section', { class: 'card' },
    h('h2', {}, t('photos.title')),
    readOnly ? null : h('div', { class: 'actions' },
      lastDefect ? cameraButton(t('photos.defect'), 'photo-defect', take({ defect_id: lastDefect.id }, 'defect')) : null,
      cameraButton(t('photos.inspection'), 'photo-inspection', take({ inspection_id: inspection.id }, 'inspection'))),
    await gallery(photos.filter((p) => p.kind !== 'signature')));
}
