/** Saving bytes the API returned (key files) as a file download, without a round trip. */

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function saveBytes(
  bytes: Uint8Array<ArrayBuffer>,
  fileName: string,
  type = 'application/octet-stream',
): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoke after the download has been handed to the browser.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
