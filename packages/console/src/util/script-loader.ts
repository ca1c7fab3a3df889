/**
 * Loads a classic script once per URL (the player SDK and ali-oss ship as single files that set a
 * global). A failed load is forgotten, so a later call tries again.
 */
const loads = new Map<string, Promise<void>>();

export function loadScript(src: string): Promise<void> {
  const existing = loads.get(src);
  if (existing) return existing;
  const promise = new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      script.remove();
      loads.delete(src);
      reject(new Error(`Could not load ${src}.`));
    };
    document.head.append(script);
  });
  loads.set(src, promise);
  return promise;
}
