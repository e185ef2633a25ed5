import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventSink } from '../domain/events.js';
import type { SettingsService } from '../domain/system/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { errorResponses } from './schemas/index.js';

export interface ConfigurationRoutesDeps {
  readonly settings: SettingsService;
  readonly events: EventSink;
}

/** A configuration item as Harbor's GET shows it. */
const Item = (value: ReturnType<typeof Type.Boolean>) => Type.Object({ value, editable: Type.Boolean() });

/** The settings Berth changes at run time (Harbor's keys); the rest of Harbor's come with their features. */
const Configurations = Type.Object(
  { read_only: Item(Type.Boolean({ description: 'every write is refused while reads go on' })) },
  { description: "Harbor's ConfigurationsResponse, for the settings Berth has" },
);

/**
 * Harbor's configuration API for the settings that change at run time (system administrators): stored
 * in the database, followed by every replica within `database.cacheSyncMs`. `PUT` takes the keys
 * Berth has (`read_only`); a key Berth does not have is refused by name rather than ignored.
 */
export const configurationRoutes: FastifyPluginAsyncTypebox<ConfigurationRoutesDeps> = async (
  app,
  { settings, events },
) => {
  app.get(
    '/configurations',
    {
      schema: {
        tags: ['configure'],
        summary: 'The run-time settings, each with whether it may be changed here',
        response: { 200: Configurations, ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'configuration', 'read');
      return { read_only: { value: settings.values.readOnly, editable: true } };
    },
  );

  app.put(
    '/configurations',
    {
      schema: {
        tags: ['configure'],
        summary: 'Change run-time settings (`{"read_only": true}` puts the registry in read-only mode)',
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'configuration', 'update');
      const body = request.body;
      if (Object.keys(body).length === 0) throw new BerthError('INVALID_INPUT', 'Missing configuration item');
      const unknown = Object.keys(body).filter((key) => key !== 'read_only');
      if (unknown.length > 0)
        throw new BerthError(
          'INVALID_INPUT',
          `configuration items Berth does not have: ${unknown.join(', ').slice(0, 300)}`,
        );
      if (typeof body.read_only !== 'boolean')
        throw new BerthError('INVALID_INPUT', 'read_only takes true or false');
      await settings.update({ readOnly: body.read_only });
      report(events, request, {
        operation: 'update',
        resourceType: 'configuration',
        resource: 'read_only',
        description: String(body.read_only),
      });
      return empty(reply, 200);
    },
  );
};
