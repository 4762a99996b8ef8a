import type { DescribeSecretCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import type { DatabaseEngine } from '../engines/engine.js';
import { RotationStateError, SecretFormatError, VerificationError } from '../errors.js';
import { createLogger } from '../logger.js';
import { randomPasswordRequest } from '../password.js';
import { type DatabaseSecret, serializeDatabaseSecret } from '../secret/database-secret.js';
import { alternatingUsersStrategy } from '../strategies/alternating-users.js';
import { singleUserStrategy } from '../strategies/single-user.js';
import type { RotationStrategy, StepContext, StrategyName } from '../strategies/strategy.js';
import { parseRotationEvent, type RotationEvent } from './event.js';
import { readDatabaseSecret } from './read-secret.js';
import { AWSCURRENT, AWSPENDING, SecretStore, versionWithStage } from './secret-store.js';
import { checkRotationState } from './stages.js';

export interface RotatorOptions {
  readonly engine: DatabaseEngine;
  readonly secretsManager: SecretsManagerClient;
  readonly logger?: Logger;
  /**
   * Fixed strategy; otherwise `ROTATION_STRATEGY` (`single-user` | `alternating-users`) from `env`, otherwise
   * detected: a secret with `masterarn` uses alternating users.
   */
  readonly strategy?: StrategyName;
  /** The environment knobs (password generation, user name limit, strategy). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default true, as the Lambda protocol requires; the local driver turns it off (it plays the service). */
  readonly requireRotationEnabled?: boolean;
}

export interface StepOptions {
  /** createSecret only: the token's version may not exist yet (the local driver creates it). */
  readonly tokenMayBeNew?: boolean;
}

const STRATEGIES: Readonly<Record<StrategyName, RotationStrategy>> = {
  'single-user': singleUserStrategy,
  'alternating-users': alternatingUsersStrategy,
};

function isStrategyName(value: string): value is StrategyName {
  return value in STRATEGIES;
}

/**
 * The rotation protocol, one implementation for every database: the stage checks every step starts with, the
 * Secrets Manager side of each step, and a strategy plus an engine adapter for the database side.
 */
export class Rotator {
  private readonly store: SecretStore;
  private readonly logger: Logger;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: RotatorOptions) {
    this.store = new SecretStore(options.secretsManager);
    this.logger = options.logger ?? createLogger();
    this.env = options.env ?? process.env;
  }

  /** The Lambda entry: validates the event and runs its step. Resolves on success, throws to fail the step. */
  async handle(input: unknown): Promise<void> {
    await this.runStep(parseRotationEvent(input));
  }

  async runStep(event: RotationEvent, stepOptions: StepOptions = {}): Promise<void> {
    const logger = this.logger.child({
      secretId: event.SecretId,
      step: event.Step,
      versionId: event.ClientRequestToken,
    });
    try {
      await this.execute(event, stepOptions, logger);
    } catch (error) {
      // Our errors carry no secret values (only ids, keys, users, hosts, driver codes), so the message is safe.
      logger.error(
        {
          error: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : '',
        },
        'step failed',
      );
      throw error;
    }
  }

  private async execute(event: RotationEvent, stepOptions: StepOptions, logger: Logger): Promise<void> {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
    const metadata = await this.store.describe(secretId);
    const state = checkRotationState(metadata, secretId, token, {
      requireRotationEnabled: this.options.requireRotationEnabled ?? true,
      tokenMayBeNew: step === 'createSecret' && stepOptions.tokenMayBeNew === true,
    });
    if (state === 'done') {
      logger.info('version already set as AWSCURRENT: nothing to do');
      return;
    }
    const context: StepContext = {
      secretId,
      token,
      family: this.options.engine.family,
      engine: this.options.engine,
      store: this.store,
      logger,
      env: this.env,
    };
    const current = await readDatabaseSecret(context, secretId, { stage: AWSCURRENT });
    if (!current) {
      throw new RotationStateError(`secret ${secretId} has no AWSCURRENT value to rotate from`, { secretId });
    }
    const strategy = this.strategyFor(current);
    logger.info({ strategy: strategy.name }, 'step started');
    await this.dispatch(event, context, strategy, current, metadata);
    logger.info('step finished');
  }

  private async dispatch(
    event: RotationEvent,
    context: StepContext,
    strategy: RotationStrategy,
    current: DatabaseSecret,
    metadata: DescribeSecretCommandOutput,
  ): Promise<void> {
    switch (event.Step) {
      case 'createSecret':
        return this.createSecret(context, strategy, current, event.RotationToken);
      case 'setSecret':
        return strategy.setSecret(context, current, await this.readPending(context));
      case 'testSecret':
        return strategy.testSecret(context, current, await this.readPending(context));
      case 'finishSecret': {
        await this.verifyBeforePromoting(context, strategy, current);
        const currentVersion = versionWithStage(metadata, AWSCURRENT);
        await this.store.moveCurrent(context.secretId, context.token, currentVersion);
        context.logger.info(
          { previousVersionId: currentVersion },
          'finishSecret: AWSCURRENT moved to the new version',
        );
        return;
      }
    }
  }

  /**
   * finishSecret runs testSecret's checks again (the pending version parses and logs in) before moving
   * AWSCURRENT: run on its own (`latchkey-rotate --step finishSecret`, or after a failed testSecret) it must not
   * promote a value that apps would then be served and could not use.
   */
  private async verifyBeforePromoting(
    context: StepContext,
    strategy: RotationStrategy,
    current: DatabaseSecret,
  ): Promise<void> {
    try {
      await strategy.testSecret(context, current, await this.readPending(context));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new VerificationError(
        `secret ${context.secretId}: finishSecret did not move AWSCURRENT, because version ${context.token} fails testSecret: ${reason}`,
        { secretId: context.secretId, cause: error },
      );
    }
  }

  private strategyFor(current: DatabaseSecret): RotationStrategy {
    const configured = this.options.strategy ?? this.env.ROTATION_STRATEGY?.trim();
    if (configured) {
      if (!isStrategyName(configured)) {
        throw new RangeError(
          `ROTATION_STRATEGY must be single-user or alternating-users, not '${configured}'`,
        );
      }
      return STRATEGIES[configured];
    }
    return current.masterarn === undefined ? singleUserStrategy : alternatingUsersStrategy;
  }

  private async readPending(context: StepContext): Promise<DatabaseSecret> {
    const pending = await readDatabaseSecret(
      context,
      context.secretId,
      { stage: AWSPENDING, versionId: context.token },
      {},
    );
    if (!pending) {
      throw new RotationStateError(
        `secret ${context.secretId}: version ${context.token} has no value yet (createSecret has not run)`,
        { secretId: context.secretId },
      );
    }
    return pending;
  }

  private async createSecret(
    context: StepContext,
    strategy: RotationStrategy,
    current: DatabaseSecret,
    rotationToken: string | undefined,
  ): Promise<void> {
    if (strategy.name === 'alternating-users' && current.engine === undefined) {
      throw new SecretFormatError(`secret ${context.secretId} (AWSCURRENT): missing key 'engine'`, {
        secretId: context.secretId,
        key: 'engine',
      });
    }
    const pendingSelect = { stage: AWSPENDING, versionId: context.token };
    // A retry: keep the value already stored for this token (validated), never generate a second one.
    if (await readDatabaseSecret(context, context.secretId, pendingSelect)) {
      context.logger.info('createSecret: the pending version already has a value; kept');
      return;
    }
    const username = strategy.pendingUserName(context, current);
    const password = await this.store.randomPassword(
      context.secretId,
      randomPasswordRequest(context.family, context.env),
    );
    const stored = await this.store.putPending(
      context.secretId,
      context.token,
      serializeDatabaseSecret(current, { username, password }),
      rotationToken,
    );
    if (!stored) {
      // Another invocation stored a value for this token first: that one is the pending value.
      if (!(await readDatabaseSecret(context, context.secretId, pendingSelect))) {
        throw new RotationStateError(
          `secret ${context.secretId}: version ${context.token} exists with another value and is not AWSPENDING`,
          { secretId: context.secretId },
        );
      }
      context.logger.info('createSecret: another invocation stored the pending value first; kept');
      return;
    }
    context.logger.info({ username }, 'createSecret: new pending version stored');
  }
}
