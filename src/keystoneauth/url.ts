// Joining catalog URLs. A catalog may hold an unversioned root (http://glance:9292) or a versioned one
// (http://glance:9292/v2, http://keystone:5000/v3/); both must give one version segment, never two
// (python-glanceclient builds /v2/v2/images from the second).

/** `${root}/${version}/${path}` with exactly one version segment and one slash between parts. */
export function versionedUrl(root: string, version: string, path = ''): string {
  const base = `${serviceRoot(root, version)}/${version}`;
  return path === '' ? base : joinUrl(base, path);
}

/** The root below a versioned endpoint: http://glance:9292/v2/ -> http://glance:9292. */
export function serviceRoot(endpoint: string, version: string): string {
  const trimmed = withoutTrailingSlashes(endpoint);
  return trimmed.endsWith(`/${version}`) ? trimmed.slice(0, -version.length - 1) : trimmed;
}

export function joinUrl(base: string, path: string): string {
  return `${withoutTrailingSlashes(base)}/${path.replace(/^\/+/, '')}`;
}

/**
 * `url` without its trailing slashes. Not `/\/+$/`: V8 tries it from every slash of a run that does not end the
 * string, so a catalog URL holding a long run of slashes took quadratic time (80,000 slashes: 2.6 s).
 */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/** A URL fit for logs and error messages: no query string (markers, filters), no userinfo. */
export function loggableUrl(url: URL | string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
