// GET /v2/images's query as Glance reads it: limit (default 25, at most 1000), marker, the sort in either
// syntax (sort=key:dir,... or sort_key/sort_dir), the filters, and Glance's error texts for bad values. A
// parameter given twice counts by its last value, as webob's params.get does.
import { MockError } from '../../control.js';
import { SORT_KEYS, type ListQuery } from '../store.js';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const VISIBILITIES = new Set(['public', 'private', 'shared', 'community', 'all']);
/** Every parameter with a meaning of its own; any other filters on the image property it names. */
const KNOWN = new Set([
  'limit',
  'marker',
  'sort_key',
  'sort_dir',
  'sort',
  'visibility',
  'name',
  'status',
  'owner',
  'tag',
  'os_hidden',
  'member_status',
  '_empty',
]);

export interface ParsedListQuery {
  query: ListQuery;
  limit: number;
  marker: string | undefined;
  /** Other parameters: filters on the image property they name. */
  extra: [string, string][];
}

const last = (search: URLSearchParams, name: string) => search.getAll(name).at(-1);

/** The whole query, checked limit first, then the filters, then the sort: the first bad value is the 400. */
export function parseListQuery(search: URLSearchParams): ParsedListQuery {
  const limit = parseLimit(last(search, 'limit'));
  const filters = parseFilters(search);
  const query: ListQuery = { ...filters, tags: search.getAll('tag'), sort: parseSort(search) };
  const extra = [...search].filter(([k]) => !KNOWN.has(k));
  return { query, limit, marker: last(search, 'marker'), extra };
}

/** An integer of at least 0 (a larger one is lowered to Glance's api_limit_max); 25 when not given. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(raw)) throw new MockError(400, 'limit param must be an integer');
  const limit = Number(raw);
  if (limit < 0) throw new MockError(400, 'limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

/** visibility, os_hidden (true or false, as Glance writes them) and the exact-match filters. */
export function parseFilters(search: URLSearchParams): Omit<ListQuery, 'tags' | 'sort'> {
  const filters: Omit<ListQuery, 'tags' | 'sort'> = {};
  const visibility = last(search, 'visibility');
  if (visibility !== undefined && !VISIBILITIES.has(visibility))
    throw new MockError(400, `Invalid visibility value: ${visibility}`);
  if (visibility !== undefined) filters.visibility = visibility;
  const hidden = last(search, 'os_hidden');
  if (hidden !== undefined && !['true', 'false', 'True', 'False'].includes(hidden)) {
    throw new MockError(400, `Invalid value '${hidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  }
  if (hidden !== undefined) filters.osHidden = hidden.toLowerCase() === 'true';
  for (const key of ['name', 'status', 'owner'] as const) {
    const value = last(search, key);
    if (value !== undefined) filters[key] = value;
  }
  return filters;
}

/** sort=key[:dir],... or sort_key=...&sort_dir=... (not both); the direction is desc unless given. */
export function parseSort(search: URLSearchParams): ListQuery['sort'] {
  const sortParam = last(search, 'sort');
  const sortKeys = search.getAll('sort_key');
  const sortDirs = search.getAll('sort_dir');
  if (sortParam !== undefined && (sortKeys.length > 0 || sortDirs.length > 0)) {
    throw new MockError(400, 'Old and new sorting syntax cannot be combined');
  }
  if (sortParam !== undefined) {
    return sortParam.split(',').map((part) => {
      const [key = '', dir = 'desc'] = part.trim().split(':');
      return { key: sortKey(key), dir: sortDir(dir) };
    });
  }
  const sort = sortKeys.map((key, i) => ({ key: sortKey(key), dir: sortDir(sortDirs[i] ?? sortDirs[0] ?? 'desc') }));
  if (sort.length === 0 && sortDirs[0]) sort.push({ key: 'created_at', dir: sortDir(sortDirs[0]) });
  return sort;
}

function sortKey(key: string): string {
  if (!SORT_KEYS.has(key))
    throw new MockError(
      400,
      `Invalid sort key: ${key}. It must be one of the following: ${[...SORT_KEYS].join(', ')}.`,
    );
  return key;
}

function sortDir(dir: string): 'asc' | 'desc' {
  if (dir !== 'asc' && dir !== 'desc') throw new MockError(400, `Invalid sort direction: ${dir}`);
  return dir;
}
