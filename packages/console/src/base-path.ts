/** Where the server mounts the console (Vite's `base`; every route is below it). */
export const BASE_PATH = '/console/';
