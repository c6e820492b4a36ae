/** One thing to do before a configuration can place calls. */
export interface SetupStep {
  readonly key: string;
  readonly title: string;
  readonly description: string;
  readonly complete: boolean;
  /** Outbound calls cannot work until this step is complete. */
  readonly blocksOutbound: boolean;
}

/** A configuration's readiness, derived from its steps so it cannot claim more than they show. */
export interface SetupChecklist {
  readonly steps: readonly SetupStep[];
  /** No step is both blocking and incomplete. */
  readonly readyForOutbound: boolean;
  /** The first blocking, incomplete step's description. */
  readonly outboundBlockedReason: string | undefined;
  readonly docsUrl?: string;
}

/** Counts a host already has when it asks for a checklist (no I/O needed). */
export interface ConfigurationState {
  readonly activePhoneNumberCount: number;
  readonly inboundRoutedPhoneNumberCount: number;
}

/** Builds a {@link SetupChecklist} from its steps; readiness is computed, never given. */
export function setupChecklist(steps: readonly SetupStep[], docsUrl?: string): SetupChecklist {
  const blocking = steps.find((step) => step.blocksOutbound && !step.complete);
  return {
    steps,
    readyForOutbound: blocking === undefined,
    outboundBlockedReason: blocking?.description,
    ...(docsUrl === undefined ? {} : { docsUrl }),
  };
}

/** The checklist of a provider that needs nothing but a caller ID. */
export function callerIdChecklist(
  displayName: string,
  state: ConfigurationState,
  docsUrl?: string,
): SetupChecklist {
  return setupChecklist(
    [
      {
        key: 'caller-id',
        title: 'Add a phone number',
        description: `Add a ${displayName} phone number to use as caller ID for outbound calls.`,
        complete: state.activePhoneNumberCount > 0,
        blocksOutbound: true,
      },
    ],
    docsUrl,
  );
}

/** How a bring-your-own-SIP provider is reached. */
export interface SipConnectivity {
  readonly displayName: string;
  readonly regions: readonly {
    readonly region: string;
    readonly inboundTransports: readonly {
      readonly transport: 'udp' | 'tcp' | 'tls' | 'wss';
      readonly hostname: string;
      readonly port: number;
      readonly uri: string;
    }[];
    /** Address outbound SIP comes from, for the customer's allow list. */
    readonly outboundOriginIp?: string;
  }[];
}
