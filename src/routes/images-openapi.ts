// GET / and GET /images in the OpenAPI document: their path items, their query parameters, the ImageNames schema
// and the Link header of a page. The values callers may send (visibilities, statuses, sort keys, lengths) come
// from the route's own constants (image-query.ts), so the two cannot drift; openapi-document.ts adds this part.
import { IMAGE_ID_LENGTH } from '../glance/image-id.js';
import { MAX_TAGS, MAX_TEXT, SORT_KEYS, STATUSES, VISIBILITIES } from './image-query.js';
import { queryParameter, ref, type DocumentPart, type JsonObject } from './openapi-parts.js';

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

function parameters(): JsonObject {
  const text = { type: 'string', minLength: 1, maxLength: MAX_TEXT };
  const sortKey = `(${[...SORT_KEYS].join('|')})(:(asc|desc))?`;
  return {
    visibility: queryParameter('visibility', 'Only images of this visibility.', { enum: [...VISIBILITIES] }),
    status: queryParameter('status', 'Only images in this status.', { enum: [...STATUSES] }),
    name: queryParameter('name', 'Only images with exactly this name.', text),
    owner: queryParameter('owner', 'Only images owned by this project id.', text),
    tag: {
      ...queryParameter('tag', 'Only images with every one of these tags; repeat it for several.', {
        type: 'array',
        maxItems: MAX_TAGS,
        items: text,
      }),
      style: 'form',
      explode: true,
    },
    os_hidden: queryParameter(
      'os_hidden',
      'true: only the images hidden from listings (os_hidden); false, or leaving it out: only the others.',
      { type: 'boolean' },
    ),
    sort: queryParameter('sort', 'Sort keys, each with an optional direction (default desc): `name:asc,created_at`.', {
      type: 'string',
      maxLength: MAX_TEXT,
      pattern: `^${sortKey}(,${sortKey})*$`,
    }),
    limit: queryParameter(
      'limit',
      'Page size: ask for one page of at most this many names instead of all of them. A larger value is lowered to ' +
        "[image] max_limit (1000 by default), as Glance lowers a limit above its api_limit_max; the Link header's " +
        'limit says the one in force.',
      { type: 'integer', minimum: 1 },
    ),
    marker: queryParameter(
      'marker',
      'The id of the last image of the previous page, as the next page Link gives it. With marker alone the page ' +
        'is [image] page_size names. An id Glance does not know, or an image the caller may not see, is a 400.',
      { type: 'string', format: 'uuid', pattern: UUID_PATTERN, minLength: IMAGE_ID_LENGTH, maxLength: IMAGE_ID_LENGTH },
    ),
  };
}

function imageListOperation(operationId: string, summary: string): JsonObject {
  const err = (name: string) => ref('responses', name);
  return {
    operationId,
    summary,
    description:
      "Without limit and marker: every name, Glance's pages followed. With either: one Glance page, and a Link " +
      'header to the next while Glance says there is one; follow it until it is absent.',
    parameters: [
      'visibility',
      'status',
      'name',
      'owner',
      'tag',
      'os_hidden',
      'sort',
      'limit',
      'marker',
      'requestId',
    ].map((p) => ref('parameters', p)),
    responses: {
      '200': {
        description: 'The names (of one page, when paging).',
        headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId'), Link: ref('headers', 'Link') },
        content: { 'application/json': { schema: ref('schemas', 'ImageNames') } },
      },
      '400': err('BadRequest'),
      '401': err('Unauthorized'),
      '403': err('Forbidden'),
      '500': err('InternalServerError'),
      '502': err('BadGateway'),
      '503': err('ServiceUnavailable'),
      '504': err('GatewayTimeout'),
    },
  };
}

/** The image routes' part of the document. */
export function imagesDocument(): DocumentPart {
  return {
    paths: {
      '/': { get: imageListOperation('listImageNames', "The caller's image names (the original example's path).") },
      '/images': { get: imageListOperation('listImages', "The caller's image names.") },
    },
    parameters: parameters(),
    schemas: {
      ImageNames: {
        type: 'array',
        description: "Image names in Glance's order; a nameless image is null.",
        items: { type: ['string', 'null'] },
      },
    },
    headers: {
      Link: {
        required: false,
        description:
          'The next page (RFC 8288), when Glance says there is one: a reference relative to the URL called, with the ' +
          'same filters, the limit in force and the next marker. No Link: this is the last page.',
        schema: { type: 'string', pattern: '^<[^<>\\s]*>; rel="next"$' },
      },
    },
  };
}
