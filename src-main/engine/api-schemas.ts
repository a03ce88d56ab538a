import { z } from 'zod';
import type { ApiKey, ApiRequest } from './api-types';

const empty = z.object({}).strict();
const text = z.string().max(4096);

/** Every request is validated here before a handler sees it. */
export const requestSchemas: { [K in ApiKey]: z.ZodType<ApiRequest<K>> } = {
  'app/info': empty,
  'dataset/summary': empty,
  'drives/list': z
    .object({
      model: text.optional(),
      status: z.enum(['all', 'failed', 'healthy']).optional(),
      search: text.optional(),
      sort: z
        .enum(['serial', 'model', 'capacity', 'firstDay', 'lastDay', 'daysSeen', 'failureDay'])
        .optional(),
      dir: z.enum(['asc', 'desc']).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'drives/models': empty,
  'drives/series': z.object({ serial: text.min(1), attributes: z.array(text).max(400).optional() }).strict(),
  'import/start': z.object({ paths: z.array(text.min(1)).min(1).max(100_000) }).strict(),
  'import/sample': empty,
  'import/files': empty,
  'import/rejects': z
    .object({
      fileId: z.number().int().optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'jobs/list': empty,
  'jobs/get': z.object({ id: text }).strict(),
  'jobs/cancel': z.object({ id: text }).strict(),
};

/** A one-line, human-readable account of what is wrong with a payload. */
export function describeIssues(key: string, err: z.ZodError): string {
  const parts = err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`);
  return `bad request for ${key}: ${parts.join('; ')}`;
}
