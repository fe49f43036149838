/** Reading QR codes from a picture or the camera (jsQR, in the browser; nothing is uploaded). */
import jsQR from 'jsqr';

function decodePixels(image: CanvasImageSource, width: number, height: number): string | undefined {
  const canvas = document.createElement('canvas');
  // Large photos are scaled down: QR codes stay readable and decoding stays fast.
  const scale = Math.min(1, 1600 / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) return undefined;
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' })?.data;
}

/** The text of the QR code in an image file, or undefined if none is found. */
export async function readQrFromFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    return decodePixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** Scans the camera's frames until a QR code is found or `signal` aborts; the camera is released either way. */
export async function scanQrFromCamera(video: HTMLVideoElement, signal: AbortSignal): Promise<string | undefined> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  try {
    video.srcObject = stream;
    await video.play();
    while (!signal.aborted) {
      if (video.videoWidth > 0) {
        const text = decodePixels(video, video.videoWidth, video.videoHeight);
        if (text !== undefined) return text;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
