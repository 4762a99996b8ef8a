/** How bad a finding is; `--fail-on <severity>` fails on this level and above. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AuditCheck =
  | 'rotation-disabled'
  | 'rotation-overdue'
  | 'rotation-stuck'
  | 'not-accessed'
  | 'scheduled-for-deletion'
  | 'policy-public'
  | 'policy-cross-account'
  | 'no-customer-managed-key';

export interface Finding {
  readonly secret: string;
  readonly arn: string;
  readonly check: AuditCheck;
  readonly severity: Severity;
  /** What is wrong, for people. Built from metadata only: an audit never reads a secret value. */
  readonly detail: string;
}

/** What the audit knows of one secret: DescribeSecret's answer and the resource policy, if any. */
export interface SecretFacts {
  readonly arn: string;
  readonly name: string;
  readonly createdDate?: Date;
  readonly kmsKeyId?: string;
  readonly rotationEnabled?: boolean;
  readonly rotationRules?: {
    readonly AutomaticallyAfterDays?: number;
    readonly Duration?: string;
    readonly ScheduleExpression?: string;
  };
  readonly lastRotatedDate?: Date;
  readonly lastAccessedDate?: Date;
  readonly nextRotationDate?: Date;
  readonly deletedDate?: Date;
  readonly versionIdsToStages?: Readonly<Record<string, readonly string[]>>;
  /** The resource policy document (JSON text), when the secret has one. */
  readonly resourcePolicy?: string;
}

export interface AuditOptions {
  readonly now: Date;
  /** A secret not read for this many days is reported. Default 90. */
  readonly unusedDays: number;
}

export interface AuditReport {
  readonly auditedAt: string;
  readonly secrets: number;
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<Severity, number>>;
}
