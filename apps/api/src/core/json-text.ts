/**
 * A response body that is JSON text already (made off the event loop, see timeline-render.ts).
 * The fast lane sends the text as it is; anything else that serialises it (Nest's route, whose
 * `response.json` calls JSON.stringify) gets the same bytes through `toJSON`.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
