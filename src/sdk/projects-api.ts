import type { Project } from '../tracking/model.js';
import type { HttpTransport } from './http-transport.js';

/** ProjectsApi groups the native API's project routes (`client.projects`). */
export class ProjectsApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<Project[]> {
    return (await this.http.json<{ items: Project[] }>({ method: 'GET', path: '/projects' })).items;
  }

  create(name: string, options: { description?: string } = {}): Promise<Project> {
    return this.http.json<Project>({ method: 'POST', path: '/projects', json: { name, ...options } });
  }
}
