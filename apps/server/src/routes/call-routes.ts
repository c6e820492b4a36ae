import { CALL_STATUSES, type CallStatus } from '@patchbay/core';
import { z } from 'zod';
import type { Calls } from '../services/calls/calls.js';
import { transferBody } from '../services/calls/transfer-request.js';
import type { Recordings } from '../services/recordings.js';
import { ServerError } from '../services/server-errors.js';
import { errorResponses, type PatchbayApp } from './app.js';

export const placeCallBody = z
  .object({
    configurationId: z.string(),
    to: z.string().min(1).max(200),
    from: z.string().min(1).max(200).optional(),
    /** The agent that talks; the built-in echo when absent. */
    agentId: z.string().optional(),
    ringTimeoutSeconds: z.number().int().min(5).max(600).optional(),
    answeringMachineDetection: z
      .enum(['detect', 'detect-beep'])
      .optional()
      .describe(
        'Ask the carrier who answered: detect (human or machine), or detect-beep (also wait for a machine’s greeting to end, to leave a message). 422 amd_unsupported where the carrier has none',
      ),
    queue: z
      .boolean()
      .optional()
      .describe(
        'Over the configuration’s calls per second, wait (up to 30 s) for a free moment instead of getting 429',
      ),
  })
  .meta({
    examples: [
      {
        configurationId: '5f0c6f43-7c1e-4b0a-9d0e-2f4a8c9b1d20',
        to: '+14155550123',
        from: '+14155550100',
        agentId: '0b8e3c9a-2d4f-4c61-9a7e-5d3b2c1f0e99',
      },
    ],
  });

const callStatus = z.enum(CALL_STATUSES as [CallStatus, ...CallStatus[]]);

/** A call as the API shows it. */
const callSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    from: z.string().describe('Canonical: +E.164, a SIP URI or an extension'),
    to: z.string(),
    status: callStatus,
    carrierStatus: z.string().nullable().describe('What the carrier last said, as it said it'),
    carrierCallId: z.string().nullable().describe('The carrier’s id; null until it took the call'),
    reason: z.string().nullable().describe('Why it failed or ended, when known'),
    durationSeconds: z.number().int().nullable(),
    configurationId: z.uuid().nullable().describe('Null once the configuration was deleted'),
    agentId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    answeredAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    answeredBy: z
      .enum(['human', 'machine', 'fax', 'unknown'])
      .nullable()
      .describe('What answering-machine detection said; null when not asked or not yet known'),
    answeringMachine: z
      .object({
        greeting: z
          .enum(['started', 'ended'])
          .nullable()
          .describe('For a machine: still greeting, or done (leave the message now)'),
        carrierLabel: z.string().describe('The carrier’s own verdict, e.g. machine_end_beep'),
        at: z.iso.datetime(),
      })
      .nullable(),
    mediaHealth: z
      .object({
        callerFrames: z.number().int(),
        callerGaps: z.number().int().describe('Pauses over two frames in the carrier’s audio'),
        longestCallerGapMs: z.number(),
        jitterMs: z.number().describe('Interarrival jitter (RFC 3550 estimate)'),
        droppedCallerMs: z.number(),
        agentUnderruns: z
          .number()
          .int()
          .describe('Holes the caller heard mid-utterance because the agent’s audio came late'),
        peakQueuedMs: z.number(),
        clears: z.number().int(),
        droppedAgentMs: z.number(),
      })
      .nullable()
      .describe('How the call’s audio fared, once its media ended; null before'),
    recording: z
      .object({
        durationMs: z.number(),
        bytes: z.number().int(),
        sampleRate: z.number().int(),
        channels: z.array(z.enum(['caller', 'agent'])).describe('Left, then right'),
        createdAt: z.iso.datetime(),
      })
      .nullable()
      .describe('The finished recording (GET …/recording); null when none'),
  })
  .meta({ id: 'Call' });

const transferSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid(),
    destination: z.string(),
    callerId: z.string().nullable(),
    status: z.enum([
      'pending',
      'answered',
      'connected',
      'completed',
      'busy',
      'no-answer',
      'failed',
    ]),
    reason: z.string().nullable(),
    legCallId: z.string().nullable(),
    requestedBy: z.enum(['api', 'agent']),
    createdAt: z.iso.datetime(),
    connectedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Transfer' });

const callDetailSchema = callSchema
  .extend({
    transfers: z.array(transferSchema),
    events: z
      .array(
        z.object({
          status: callStatus,
          carrierStatus: z.string(),
          detail: z.unknown(),
          at: z.iso.datetime(),
        }),
      )
      .describe('Every status report, in the order it came; repeats and late ones included'),
  })
  .meta({ id: 'CallDetail' });

/** Calls under /api/v1/calls: place, list, read, hang up, transfer (services/calls/calls.ts). */
export function registerCallRoutes(app: PatchbayApp, calls: Calls, recordings: Recordings): void {
  const tags = ['calls'];
  const auth = { auth: 'api-key' } as const;
  const idParams = z.object({ id: z.string() });

  app.post(
    '/api/v1/calls',
    {
      config: auth,
      schema: {
        operationId: 'placeCall',
        summary: 'Place an outbound call through a configuration, answered by an agent',
        tags,
        body: placeCallBody,
        response: {
          201: callSchema,
          ...errorResponses(400, 409, 422, 429, 502, 503),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await calls.place(request.organizationId, request.body)),
  );
  app.post(
    '/api/v1/calls/:id/hangup',
    {
      config: auth,
      schema: {
        operationId: 'hangUpCall',
        summary: 'Hang up a call',
        tags,
        params: idParams,
        response: { 202: callSchema, ...errorResponses(404, 409, 502) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await calls.hangUp(request.organizationId, request.params.id)),
  );
  app.post(
    '/api/v1/calls/:id/transfer',
    {
      config: auth,
      schema: {
        operationId: 'transferCall',
        summary:
          'Transfer a live call to a number or SIP URI; the caller stays with the agent until it answers',
        tags,
        params: idParams,
        body: transferBody,
        response: {
          202: transferSchema,
          ...errorResponses(400, 404, 409, 422, 502),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await calls.transfer(request.organizationId, request.params.id, request.body)),
  );
  app.get(
    '/api/v1/calls',
    {
      config: auth,
      schema: {
        operationId: 'listCalls',
        summary: 'Calls, newest first, a page at a time',
        tags,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional().describe('The previous page’s nextCursor'),
          configurationId: z.uuid().optional(),
          direction: z.enum(['inbound', 'outbound']).optional(),
          status: z
            .union([callStatus, z.literal('live')])
            .optional()
            .describe('One status, or live for every call that has not ended'),
        }),
        response: {
          200: z.object({
            calls: z.array(callSchema),
            nextCursor: z.string().nullable().describe('Null on the last page'),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => calls.list(request.organizationId, request.query),
  );
  app.get(
    '/api/v1/calls/:id',
    {
      config: auth,
      schema: {
        operationId: 'getCall',
        summary: 'A call with its transfers and status events',
        tags,
        params: idParams,
        response: { 200: callDetailSchema, ...errorResponses(404) },
      },
    },
    async (request) => calls.get(request.organizationId, request.params.id),
  );
  app.get(
    '/api/v1/calls/:id/recording',
    {
      config: auth,
      schema: {
        operationId: 'getCallRecording',
        summary:
          'The call’s recording: a 16-bit stereo WAV (caller left, agent right); Range requests answered 206',
        tags,
        params: idParams,
        produces: ['audio/wav'],
        response: {
          200: z.string().describe('audio/wav'),
          206: z.string().describe('audio/wav, the range asked for'),
          ...errorResponses(404, 416),
        },
      },
    },
    async (request, reply) => {
      const recording = await recordings.open(request.organizationId, request.params.id);
      const range = byteRange(request.headers.range, recording.size);
      reply.header('accept-ranges', 'bytes').type('audio/wav');
      if (range === 'unsatisfiable')
        throw new ServerError(
          'range_not_satisfiable',
          `The recording has ${recording.size} bytes`,
          { 'content-range': `bytes */${recording.size}` },
        );
      const [start, end] = range ?? [0, recording.size - 1];
      reply.header('content-length', end - start + 1);
      if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${recording.size}`);
      // Fastify sends a stream as it is; the schema above describes it for the document.
      return reply.send(recording.read(start, end) as unknown as string);
    },
  );
  app.delete(
    '/api/v1/calls/:id/recording',
    {
      config: auth,
      schema: {
        operationId: 'deleteCallRecording',
        summary: 'Delete the call’s recording',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await recordings.remove(request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/**
 * One `bytes=` range of a resource of `size` bytes (first-last, first-, or
 * -suffix), inclusive; undefined when none was asked or it cannot be read
 * (a multipart range: the whole is sent), `unsatisfiable` when it lies
 * outside.
 */
export function byteRange(
  header: string | undefined,
  size: number,
): readonly [number, number] | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
