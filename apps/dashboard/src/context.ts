import type { Lakehouse } from './data.js';
import type { ViewState } from './state.js';

export interface ViewContext {
  lake: Lakehouse;
  state: ViewState;
  /** Changes the URL (a new history entry) and renders the view it names. */
  navigate: (next: ViewState) => void;
  /** Where the view draws. */
  root: HTMLElement;
}
