/**
 * The lookup tables of the vendor normalizers (activity, status, operation) as case tables: each
 * answer with the inputs that must give it, so a table reads as the mapping it pins. Every input
 * still runs as its own `it`, titled as `it.each` titles `[input, answer]`.
 */
import { expect, it } from '@jest/globals';

/** An answer and every input that must give it. */
export type Answers<I, O> = ReadonlyArray<readonly [answer: O, inputs: readonly I[]]>;

/** The `[input, answer]` rows of `answers`, in their order, for an `it.each` with a body of its own. */
export function casesByAnswer<I, O>(answers: Answers<I, O>): Array<[I, O]> {
  return answers.flatMap(([answer, inputs]) => inputs.map((input): [I, O] => [input, answer]));
}

/** One test per input: `lookup(input)` is its answer (`toBe`). */
export function itAnswers<I, O>(title: string, lookup: (input: I) => O, answers: Answers<I, O>): void {
  it.each(casesByAnswer(answers))(title, (input, answer) => {
    // Act
    const got = lookup(input);

    // Assess
    expect(got).toBe(answer);
  });
}
