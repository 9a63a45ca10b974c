import { type DynamicModule, Module } from '@nestjs/common';
import type { EndpointRegistry } from '@piko/cluster';
import type { Logger } from '@piko/observability';
import { EventsController } from './events.controller';
import { LiveFeed, type LiveFeedOptions } from './live-feed';
import { bundledPageAssets, PAGE_ASSETS, type PageAssets } from './page-assets';
import { PageController } from './page.controller';
import { RegistryLiveSource } from './registry-live-source';

export interface PageModuleDeps {
  /** From admin.page.* (see pageOptions). */
  options: LiveFeedOptions;
  logger: Logger;
  clusterRegistry: EndpointRegistry;
  /** The page's files; default: the ones built into this bundle. */
  assets?: PageAssets;
}

/** The live status page (`/`, `/page/*`) and its live channel (`/api/v1/events`). */
@Module({})
export class PageModule {
  static register(deps: PageModuleDeps): DynamicModule {
    return {
      module: PageModule,
      controllers: [PageController, EventsController],
      providers: [
        { provide: PAGE_ASSETS, useValue: deps.assets ?? bundledPageAssets() },
        { provide: LiveFeed, useValue: new LiveFeed(new RegistryLiveSource(deps.clusterRegistry), deps.options, deps.logger) },
      ],
    };
  }
}
