import type { Provider, Type } from '@nestjs/common';
import type { Logger } from '@piko/observability';
import { ClusterActions } from '../service/cluster-actions';
import { ClusterReader } from '../service/cluster-reader';
import { ApiLiveSource } from './api-live-source';
import { EventsController } from './events.controller';
import { LiveFeed, type LiveFeedOptions } from './live-feed';
import { bundledPageAssets, PAGE_ASSETS, type PageAssets } from './page-assets';
import { PageController } from './page.controller';

/** The status page (`/`, `/page/*`) and its live channel (`/api/v1/events`). */
export const PAGE_CONTROLLERS: Type[] = [PageController, EventsController];

export interface PageDeps {
  /** From admin.page.* (see pageOptions). */
  options: LiveFeedOptions;
  logger: Logger;
  /** The page's files; default: the ones built into this bundle. */
  assets?: PageAssets;
}

/** The page's providers, for the module that also provides ClusterReader and ClusterActions. */
export function pageProviders(deps: PageDeps): Provider[] {
  return [
    { provide: PAGE_ASSETS, useValue: deps.assets ?? bundledPageAssets() },
    {
      provide: LiveFeed,
      inject: [ClusterReader, ClusterActions],
      useFactory: (reader: ClusterReader, actions: ClusterActions) => new LiveFeed(new ApiLiveSource(reader, actions), deps.options, deps.logger),
    },
  ];
}
