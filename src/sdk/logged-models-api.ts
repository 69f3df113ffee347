import type { LoggedModel } from '../tracking/model.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';
import { reviveLoggedModel } from './metric-values.js';

/** LoggedModelsApi groups the native API's logged-model routes (`client.loggedModels`). */
export class LoggedModelsApi {
  constructor(private readonly http: HttpTransport) {}

  async get(modelId: string): Promise<LoggedModel> {
    return reviveLoggedModel(await this.http.json<LoggedModel>({ method: 'GET', path: `/logged-models/${seg(modelId)}` }));
  }
}
