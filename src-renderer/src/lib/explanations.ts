import type { ModelKind } from '../../../src-main/engine/api-types';

/** How a run of each kind explains a window by attribute, in the words drive detail uses. */
export interface Explanation {
  /** What the shares in "why flagged" are shares of. */
  share: string;
  /** The day x attribute heatmap's title, before "by day and attribute". */
  heatmap: string;
  /** Its colour bar's title, and the word on hover. */
  colour: string;
  hover: string;
}

export function explanationOf(kind: ModelKind): Explanation {
  if (kind === 'gbdt')
    return {
      share: "trees' push toward failure (each attribute's features' contributions)",
      heatmap: 'Push toward failure',
      colour: 'push toward failure',
      hover: 'push',
    };
  if (kind === 'lstm-clf')
    return {
      share:
        "classifier's push toward failure (gradient × input: how far each attribute's departure from the fleet's " +
        'typical value moved its probability)',
      heatmap: 'Push toward failure',
      colour: 'gradient × input',
      hover: 'push',
    };
  return { share: 'reconstruction error', heatmap: 'Error', colour: 'squared error', hover: 'error' };
}

/**
 * Why a run cannot say which attributes drove a drive's score, in words, or null where it can: trees split their
 * push toward failure by attribute, autoencoders their reconstruction error, the LSTM classifier its gradient x
 * input; only a classifier scored before it explained its windows has nothing stored.
 */
export function noExplanation(kind: ModelKind): string | null {
  if (kind === 'lstm-clf')
    return (
      'This run was scored before the LSTM classifier explained its windows (gradient × input per attribute): ' +
      'score it again to see which attributes drove it. The drive history above and the nearest failed drives ' +
      'below show what it looks like meanwhile.'
    );
  return null;
}
