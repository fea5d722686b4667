// The mock Glance's images and Glance's listing rules: visibility for the caller's project, filters, sort
// order and marker paging.
import { createHash } from 'node:crypto';

export interface Member {
  member: string;
  status: 'accepted' | 'pending' | 'rejected';
}

export interface StoredImage {
  id: string;
  name: string | null;
  owner: string;
  visibility: 'public' | 'private' | 'shared' | 'community';
  status: string;
  os_hidden: boolean;
  protected: boolean;
  tags: string[];
  created_at: string;
  updated_at: string;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  members: Member[];
}

export interface SeedImage extends Partial<Omit<StoredImage, 'id' | 'owner' | 'visibility'>> {
  id: string;
  owner: string;
  visibility: StoredImage['visibility'];
}

export interface Viewer {
  projectId: string | undefined;
  isAdmin: boolean;
}

export interface ListQuery {
  visibility?: string;
  name?: string;
  status?: string;
  owner?: string;
  tags: string[];
  osHidden?: boolean;
  sort: { key: string; dir: 'asc' | 'desc' }[];
}

export const SORT_KEYS = new Set([
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
]);

export function completeImage(seed: SeedImage): StoredImage {
  const hash = createHash('sha512').update(seed.id).digest('hex');
  const active = (seed.status ?? 'active') === 'active';
  return {
    name: null,
    status: 'active',
    os_hidden: false,
    protected: false,
    tags: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: seed.updated_at ?? seed.created_at ?? '2026-01-01T00:00:00Z',
    size: active ? 13267968 : null,
    virtual_size: null,
    disk_format: active ? 'qcow2' : null,
    container_format: active ? 'bare' : null,
    min_disk: 0,
    min_ram: 0,
    checksum: active ? hash.slice(0, 32) : null,
    os_hash_algo: active ? 'sha512' : null,
    os_hash_value: active ? hash : null,
    members: [],
    ...seed,
  };
}

/** `count` images owned by `owner`, newest first by creation, with deterministic ids. */
export function generateImages(count: number, owner: string): StoredImage[] {
  const base = Date.parse('2025-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const hex = createHash('sha1').update(`generated-${owner}-${i}`).digest('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    return completeImage({
      id,
      name: `generated-${String(i).padStart(6, '0')}`,
      owner,
      visibility: 'private',
      tags: ['generated', i % 2 === 0 ? 'even' : 'odd'],
      created_at: new Date(base + i * 1000).toISOString().replace('.000Z', 'Z'),
    });
  });
}

export class GlanceStore {
  readonly images: StoredImage[];
  // Listing 10k+ images for every request would make the mock the bottleneck of every benchmark: results
  // are memoized per viewer and query, and dropped whenever the image list changes length.
  private readonly memo = new Map<string, StoredImage[]>();
  private memoLength = -1;

  constructor(images: StoredImage[]) {
    this.images = images;
  }

  /** Glance's visibility rules for a non-admin project; admins see everything. */
  visible(image: StoredImage, viewer: Viewer, visibilityFilter: string | undefined): boolean {
    const own = viewer.projectId !== undefined && image.owner === viewer.projectId;
    const member = image.members.find((m) => m.member === viewer.projectId);
    const accepted = member?.status === 'accepted';
    switch (visibilityFilter) {
      case 'public':
        return image.visibility === 'public';
      case 'private':
        return image.visibility === 'private' && (own || viewer.isAdmin);
      case 'shared':
        return image.visibility === 'shared' && (own || accepted || viewer.isAdmin);
      case 'community':
        return image.visibility === 'community';
      case 'all':
        return viewer.isAdmin || image.visibility === 'public' || image.visibility === 'community' || own || accepted;
      default:
        // No filter: others' community images are left out (they are opt-in with visibility=community).
        return viewer.isAdmin || image.visibility === 'public' || own || (image.visibility === 'shared' && accepted);
    }
  }

  find(id: string, viewer: Viewer): StoredImage | undefined {
    return this.images.find((i) => i.id === id && this.visible(i, viewer, 'all'));
  }

  /** Every matching image in sort order (paging happens in the caller). */
  list(viewer: Viewer, q: ListQuery): StoredImage[] {
    if (this.memoLength !== this.images.length) {
      this.memo.clear();
      this.memoLength = this.images.length;
    }
    const key = JSON.stringify([viewer.projectId, viewer.isAdmin, q]);
    let hit = this.memo.get(key);
    if (!hit) {
      hit = this.compute(viewer, q);
      if (this.memo.size > 1000) this.memo.clear();
      this.memo.set(key, hit);
    }
    return hit;
  }

  private compute(viewer: Viewer, q: ListQuery): StoredImage[] {
    const hidden = q.osHidden ?? false;
    const matches = this.images.filter(
      (i) =>
        this.visible(i, viewer, q.visibility) &&
        i.os_hidden === hidden &&
        (q.name === undefined || i.name === q.name) &&
        (q.status === undefined || i.status === q.status) &&
        (q.owner === undefined || i.owner === q.owner) &&
        q.tags.every((t) => i.tags.includes(t)),
    );
    return matches.sort(imageOrder(q));
  }

  /** Glance's is_image_visible: whether the caller may see this image at all (a marker must be one it may). */
  canSee(image: StoredImage, viewer: Viewer): boolean {
    if (viewer.isAdmin || image.visibility === 'public' || image.visibility === 'community') return true;
    if (viewer.projectId === undefined) return false;
    if (image.owner === viewer.projectId) return true;
    return image.visibility === 'shared' && image.members.some((m) => m.member === viewer.projectId);
  }

  /**
   * Where the page after `marker` starts in `sorted` (a list made with `q`): at the first image that sorts after
   * the marker. Glance's SQL pages by the sort keys' values, not by position, so a marker need not match the
   * filters.
   */
  startAfter(sorted: readonly StoredImage[], marker: StoredImage, q: ListQuery): number {
    const order = imageOrder(q);
    const index = sorted.findIndex((image) => order(image, marker) > 0);
    return index < 0 ? sorted.length : index;
  }
}

/** Glance's order for a query: its sort keys, then created_at and id, in the first key's direction. */
function imageOrder(q: ListQuery): (a: StoredImage, b: StoredImage) => number {
  const keys = [...q.sort];
  const dir = keys[0]?.dir ?? 'desc';
  if (!keys.some((k) => k.key === 'created_at')) keys.push({ key: 'created_at', dir });
  if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', dir });
  return (a, b) => {
    for (const { key, dir: d } of keys) {
      const c = compare((a as unknown as Record<string, unknown>)[key], (b as unknown as Record<string, unknown>)[key]);
      if (c !== 0) return d === 'asc' ? c : -c;
    }
    return 0;
  };
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1; // NULLs sort first ascending, as in Glance's SQL
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}
