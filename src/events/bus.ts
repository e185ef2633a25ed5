import type { Logger } from 'pino';
import type { DomainEvent, EventSink } from '../domain/events.js';

/**
 * The typed in-process event bus: the HTTP surfaces emit, the audit log (and later webhooks and
 * metrics) subscribe. Delivery is synchronous and a failing subscriber never fails the emitter.
 */
export class EventBus {
  private readonly subscribers: EventSink[] = [];

  constructor(private readonly logger: Logger) {}

  subscribe(sink: EventSink): void {
    this.subscribers.push(sink);
  }

  readonly emit: EventSink = (event: DomainEvent) => {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        this.logger.error(
          { module: 'events', err: error, operation: event.operation },
          'failed to deliver an event',
        );
      }
    }
  };
}
