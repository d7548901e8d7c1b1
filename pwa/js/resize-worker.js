// Resizes a photo off the main thread (where the browser has OffscreenCanvas in workers).
self.addEventListener('message', async (event) => {
  const { file, maxSide, quality } = event.data;
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    self.postMessage({ buffer: await blob.arrayBuffer() });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
});
