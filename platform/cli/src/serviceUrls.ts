import { waggleServices } from '@waggle/launcher';

/**
 * The example system's services and where the CLI reaches them: `<NAME>_URL` (say `FLIGHT_SEARCH_URL`) when set,
 * else the port `waggle start` gives the service.
 */
export const serviceUrls = (env: NodeJS.ProcessEnv = process.env): { name: string; setting: string; url: string }[] =>
  waggleServices.map((s) => {
    const setting = `${s.name.toUpperCase().replaceAll('-', '_')}_URL`;
    return { name: s.name, setting, url: env[setting] ?? `http://127.0.0.1:${s.port}` };
  });

export const serviceUrl = (name: string): string => serviceUrls().find((s) => s.name === name)?.url ?? '';
