import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, type CallDetail, unwrap } from '../api/client.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorMessage } from '../components/errors.js';
import { ENDED } from '../live-calls.js';
import { keys } from '../queries.js';
import { formatTime } from './calls.js';

/** One call: what it is, every status report in order, its transfers; hang up or transfer it live. */
export function CallPage() {
  const { id } = useParams();
  const call = useQuery({
    queryKey: keys.call(id!),
    queryFn: () => unwrap(api.GET('/api/v1/calls/{id}', { params: { path: { id: id! } } })),
  });
  const hangUp = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/calls/{id}/hangup', { params: { path: { id: id! } } })),
    onSuccess: () => call.refetch(),
  });
  if (!call.data) return call.error ? <ErrorMessage error={call.error} /> : <p>Loading…</p>;
  const detail = call.data;
  const live = !ENDED.has(detail.status);
  return (
    <section aria-labelledby="call-title">
      <p>
        <Link to="/calls">← Calls</Link>
      </p>
      <h1 id="call-title">
        {detail.direction === 'inbound' ? 'Inbound' : 'Outbound'} call {detail.from} → {detail.to}
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${detail.status}`}>{detail.status}</span>
          {detail.reason ? ` (${detail.reason})` : ''}
        </dd>
        <dt>Carrier</dt>
        <dd>{detail.provider}</dd>
        <dt>Carrier’s call id</dt>
        <dd>
          <code>{detail.carrierCallId ?? '—'}</code>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(detail.createdAt)}</dd>
        <dt>Answered</dt>
        <dd>{formatTime(detail.answeredAt)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(detail.endedAt)}</dd>
        <dt>Duration</dt>
        <dd>{detail.durationSeconds === null ? '—' : `${detail.durationSeconds} s`}</dd>
        <dt>Answered by</dt>
        <dd>{answeredBy(detail)}</dd>
      </dl>
      {live ? (
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={() => hangUp.mutate()}
            disabled={hangUp.isPending}
          >
            Hang up
          </button>
          <Transfer callId={detail.id} />
        </div>
      ) : null}
      <ErrorMessage error={hangUp.error} />
      <h2>Timeline</h2>
      <ol className="timeline" aria-label="Status timeline">
        {detail.events.map((event, index) => (
          // Reports have no id; the list only grows, in order.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={index}>
            <time dateTime={event.at}>{formatTime(event.at)}</time> {event.status}
            {event.carrierStatus !== event.status ? ` (carrier: ${event.carrierStatus})` : ''}
          </li>
        ))}
      </ol>
      {detail.recording ? <Recording callId={detail.id} recording={detail.recording} /> : null}
      {detail.mediaHealth ? <MediaHealthFacts health={detail.mediaHealth} /> : null}
      {detail.transfers.length > 0 ? (
        <>
          <h2>Transfers</h2>
          <ul>
            {detail.transfers.map((transfer) => (
              <li key={transfer.id}>
                To {transfer.destination}: {transfer.status}
                {transfer.reason ? ` (${transfer.reason})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** The call's recording: play it (the browser asks for ranges), download it, delete it. */
function Recording(props: { callId: string; recording: NonNullable<CallDetail['recording']> }) {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE('/api/v1/calls/{id}/recording', { params: { path: { id: props.callId } } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.call(props.callId) }),
  });
  const url = `/api/v1/calls/${props.callId}/recording`;
  return (
    <>
      <h2>Recording</h2>
      <p className="hint">
        {(props.recording.durationMs / 1000).toFixed(1)} s, the caller on the left and the agent on
        the right.
      </p>
      {/* biome-ignore lint/a11y/useMediaCaption: a call has no captions to offer */}
      <audio controls preload="none" src={url} aria-label="Call recording" />
      <div className="actions">
        <a className="button" href={url} download={`call-${props.callId}.wav`}>
          Download
        </a>
        <ConfirmButton
          label="Delete recording"
          title="Delete this recording?"
          confirmLabel="Delete"
          onConfirm={() => remove.mutate()}
        >
          It cannot be brought back.
        </ConfirmButton>
      </div>
      <ErrorMessage error={remove.error} />
    </>
  );
}

/** How the call's audio fared, as the server's media bridge counted it. */
function MediaHealthFacts({ health }: { health: NonNullable<CallDetail['mediaHealth']> }) {
  return (
    <>
      <h2>Audio</h2>
      <dl className="facts">
        <dt>Caller frames</dt>
        <dd>{health.callerFrames}</dd>
        <dt>Late or missing (pauses over 40 ms)</dt>
        <dd>
          {health.callerGaps}
          {health.callerGaps > 0 ? `, longest ${health.longestCallerGapMs} ms` : ''}
        </dd>
        <dt>Jitter</dt>
        <dd>{health.jitterMs} ms</dd>
        <dt>Holes mid-utterance (agent late)</dt>
        <dd>{health.agentUnderruns}</dd>
        <dt>Barge-ins</dt>
        <dd>{health.clears}</dd>
        <dt>Most agent audio queued</dt>
        <dd>{health.peakQueuedMs} ms</dd>
        <dt>Dropped</dt>
        <dd>
          caller {health.droppedCallerMs} ms, agent {health.droppedAgentMs} ms
        </dd>
      </dl>
    </>
  );
}

/** Answering-machine detection's verdict, as a person reads it. */
function answeredBy(detail: CallDetail): string {
  if (!detail.answeredBy) return '—';
  const machine = detail.answeringMachine;
  const greeting =
    detail.answeredBy === 'machine' && machine?.greeting
      ? machine.greeting === 'ended'
        ? ', greeting over'
        : ', still greeting'
      : '';
  return `${detail.answeredBy}${greeting}${machine ? ` (${machine.carrierLabel})` : ''}`;
}

function Transfer({ callId }: { callId: string }) {
  const id = useId();
  const [destination, setDestination] = useState('');
  const transfer = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/calls/{id}/transfer', {
          params: { path: { id: callId } },
          body: { destination },
        }),
      ),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    transfer.mutate();
  };
  return (
    <form onSubmit={submit} className="inline-form" aria-label="Transfer the call">
      <div className="field">
        <label htmlFor={`${id}-destination`}>Transfer to</label>
        <input
          id={`${id}-destination`}
          required
          value={destination}
          placeholder="+14155550199"
          onChange={(event) => setDestination(event.target.value)}
        />
      </div>
      <button type="submit" disabled={transfer.isPending}>
        Transfer
      </button>
      <ErrorMessage error={transfer.error} />
      <p role="status">{transfer.isSuccess ? 'Transfer started.' : ''}</p>
    </form>
  );
}
