import type {
  AnsweringMachineResult,
  CallStatusUpdate,
  TransferResult,
} from '../calls/call-types.js';

/** Something a provider route learned and hands to the host. */
export type ProviderEvent =
  | { readonly type: 'call-status'; readonly update: CallStatusUpdate }
  | { readonly type: 'answering-machine'; readonly result: AnsweringMachineResult }
  | { readonly type: 'transfer'; readonly result: TransferResult };
