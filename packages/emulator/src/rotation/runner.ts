import { randomBytes } from 'node:crypto';
import type { RotationLauncher } from '../secretsmanager/context.js';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager sends a rotation function, once per step. SecretId is the secret's ARN. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
  RotationToken: string;
}

/** An in-process rotation function; a thrown error (or rejected promise) fails the step, as a Lambda error does. */
export type RotationHandler = (event: RotationEvent) => unknown;

export interface RotationOutcome {
  secretArn: string;
  versionId: string;
  lambdaArn: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  /** The steps that completed, in order. */
  completedSteps: RotationStep[];
  failedStep?: RotationStep;
  /** Why it failed: the function's error message, or the emulator's check after finishSecret. */
  error?: string;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * Settles a rotation whose four steps all succeeded: the emulator's equivalent of the service's bookkeeping
 * (check that the version is now AWSCURRENT, drop its AWSPENDING label, record the rotation date). Returns the
 * reason the rotation still failed, if it did.
 */
export type RotationSettler = (secretArn: string, versionId: string) => Promise<string | undefined>;

/**
 * The rotation-function registry and the runner that invokes the steps. A function is registered under a Lambda
 * ARN, as an in-process handler or as an HTTP URL that receives the event as a JSON POST (non-2xx = failure).
 * Steps run one after another after RotateSecret has answered; the first failing step ends the rotation and
 * leaves the labels as they are. AWS would retry the whole rotation later; the emulator does not (call RotateSecret
 * again with the same ClientRequestToken to retry).
 */
export class RotationRunner implements RotationLauncher {
  private readonly functions = new Map<string, RotationHandler | URL>();
  private readonly running = new Map<string, Promise<RotationOutcome>>();
  private readonly outcomes = new Map<string, RotationOutcome>();
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly settle: RotationSettler,
    private readonly stepTimeoutMs: number,
  ) {}

  register(lambdaArn: string, target: RotationHandler | string | URL): void {
    if (typeof target === 'function') {
      this.functions.set(lambdaArn, target);
      return;
    }
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`A rotation function URL must be http(s); got ${url.protocol} for ${lambdaArn}.`);
    }
    this.functions.set(lambdaArn, url);
  }

  unregister(lambdaArn: string): void {
    this.functions.delete(lambdaArn);
  }

  hasFunction(lambdaArn: string): boolean {
    return this.functions.has(lambdaArn);
  }

  isRunning(secretArn: string): boolean {
    return this.running.has(secretArn);
  }

  start(secretArn: string, lambdaArn: string, versionId: string): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.run(secretArn, lambdaArn, versionId),
    );
    this.running.set(secretArn, run);
    void run.then((outcome) => {
      this.running.delete(secretArn);
      this.cancelled.delete(secretArn);
      this.outcomes.set(secretArn, outcome);
    });
  }

  /** CancelRotateSecret: the step being invoked finishes, no further step starts. */
  cancel(secretArn: string): void {
    if (this.running.has(secretArn)) this.cancelled.add(secretArn);
  }

  /** Resolves when no rotation of this secret is running, with the outcome of its latest rotation (if any). */
  async whenIdle(secretArn: string): Promise<RotationOutcome | undefined> {
    for (let run = this.running.get(secretArn); run; run = this.running.get(secretArn)) await run;
    return this.outcomes.get(secretArn);
  }

  private async run(secretArn: string, lambdaArn: string, versionId: string): Promise<RotationOutcome> {
    const startedAt = new Date();
    const completedSteps: RotationStep[] = [];
    const outcome = (
      status: RotationOutcome['status'],
      failure: Partial<RotationOutcome> = {},
    ): RotationOutcome => ({
      secretArn,
      versionId,
      lambdaArn,
      status,
      completedSteps,
      ...failure,
      startedAt,
      finishedAt: new Date(),
    });
    const rotationToken = randomBytes(24).toString('hex');
    for (const step of ROTATION_STEPS) {
      if (this.cancelled.has(secretArn)) {
        return outcome('cancelled', { error: `CancelRotateSecret stopped the rotation before ${step}.` });
      }
      const event: RotationEvent = {
        SecretId: secretArn,
        ClientRequestToken: versionId,
        Step: step,
        RotationToken: rotationToken,
      };
      try {
        await this.invoke(lambdaArn, event);
      } catch (error) {
        return outcome('failed', {
          failedStep: step,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      completedSteps.push(step);
    }
    try {
      const error = await this.settle(secretArn, versionId);
      return error ? outcome('failed', { error }) : outcome('succeeded');
    } catch (error) {
      return outcome('failed', { error: `Settling the rotation failed: ${(error as Error).message}` });
    }
  }

  private async invoke(lambdaArn: string, event: RotationEvent): Promise<void> {
    const target = this.functions.get(lambdaArn);
    if (!target) throw new Error(`No rotation function is registered under ${lambdaArn} any more.`);
    if (target instanceof URL) {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.stepTimeoutMs),
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(
          `${event.Step} at ${target.origin} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
        );
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${event.Step} timed out after ${this.stepTimeoutMs} ms`)),
        this.stepTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(() => target(event)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
