/**
 * A store whose every change bumps a revision number, so the server can tell with one comparison whether a request
 * changed anything that the data file must keep.
 */
export abstract class ChangeTracked {
  private revisionCounter = 0;

  get revision(): number {
    return this.revisionCounter;
  }

  markChanged(): void {
    this.revisionCounter++;
  }
}
