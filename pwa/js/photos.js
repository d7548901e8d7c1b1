// Taking a photo: resize in the browser (longest side 1600 px, JPEG), then hash and keep the bytes
// in IndexedDB (as an ArrayBuffer, which Safari stores reliably). Thumbnails show at once, offline.
import { addPhoto, openDatabase, photoChange } from './db.js';

const MAX_SIDE = 1600;
const QUALITY = 0.85;

export async function resizePhoto(file) {
  if (typeof OffscreenCanvas !== 'undefined' && typeof Worker !== 'undefined') {
    try {
      return await inWorker(file);
    } catch {
      // fall back to the main thread below
    }
  }
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
  return blob.arrayBuffer();
}

function inWorker(file) {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/js/resize-worker.js');
    worker.onmessage = (event) => {
      worker.terminate();
      if (event.data.error) reject(new Error(event.data.error));
      else resolve(event.data.buffer);
    };
    worker.onerror = (error) => {
      worker.terminate();
      reject(error);
    };
    worker.postMessage({ file, maxSide: MAX_SIDE, quality: QUALITY });
  });
}

export async function takePhoto(file, belongsTo, kind = 'defect', caption = null) {
  const buffer = await resizePhoto(file);
  return addPhoto(buffer, { ...belongsTo, kind, caption });
}

// A photo resized and hashed, as a change to record with others in one db.batch().
export async function photoChangeFor(file, belongsTo, kind = 'defect', caption = null) {
  return photoChange(await resizePhoto(file), { ...belongsTo, kind, caption });
}

const urls = new Map();

// An object URL for a photo kept on this phone, or the server's thumbnail once it was pruned.
export async function thumbnailUrl(sha256) {
  if (urls.has(sha256)) return urls.get(sha256);
  const photo = await (await openDatabase()).get('photos', sha256);
  const url = photo ? URL.createObjectURL(new Blob([photo.data], { type: 'image/jpeg' }))
    : `/api/v1/photos/${sha256}?size=thumb`;
  urls.set(sha256, url);
  return url;
}
