/**
 * Reasons and messages repeat across accounts: they are made of a few parts (the experiment, one of
 * a few hundred HR dates, a fixed note). Joined here once per distinct pair, 100 000 decisions and
 * their changes share a few thousand strings instead of each holding its own copies, which the
 * garbage collector would otherwise copy and promote with the plan.
 */
export class Texts {
  private readonly pairs = new Map<string, Map<string, string>>();

  /** `head + tail`, the same string each time. Only for parts from a small set (not names, emails, ids). */
  join(head: string, tail: string): string {
    if (tail === '') return head;
    let tails = this.pairs.get(head);
    if (tails === undefined) this.pairs.set(head, (tails = new Map()));
    let text = tails.get(tail);
    if (text === undefined) tails.set(tail, (text = head + tail));
    return text;
  }
}
