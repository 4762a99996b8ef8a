import { ChangeTracked } from '../change-tracked.js';
import type { Account } from '../secretsmanager/store.js';
import type { Parameter } from './model.js';

/** Every parameter of one account and region, by name (names are case sensitive). */
export class ParameterStore extends ChangeTracked {
  private readonly byName = new Map<string, Parameter>();

  constructor(readonly account: Account) {
    super();
  }

  /** `arn:aws:ssm:<region>:<account>:parameter/a/b` for `/a/b`, `...:parameter/x` for `x`. */
  arnOf(name: string): string {
    const { partition, region, accountId } = this.account;
    return `arn:${partition}:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }

  get(name: string): Parameter | undefined {
    return this.byName.get(name);
  }

  insert(parameter: Parameter): void {
    this.byName.set(parameter.name, parameter);
    this.markChanged();
  }

  remove(parameter: Parameter): void {
    this.byName.delete(parameter.name);
    this.markChanged();
  }

  /** All parameters, in the order they were created. */
  all(): Parameter[] {
    return [...this.byName.values()];
  }
}
