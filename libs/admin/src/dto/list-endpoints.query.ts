import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { EndpointSortKey } from '../api';
import { IsEndpointIdPrefix } from './endpoint-id.validator';

export const ENDPOINT_SORT_KEYS: readonly EndpointSortKey[] = ['id', 'upstreams', 'gateways', 'requests', 'errors'];
export const MAX_PAGE_LIMIT = 1000;

/** `GET /api/v1/endpoints` query (docs/admin-api.md). */
export class ListEndpointsQuery {
  @ApiPropertyOptional({ description: 'Only endpoints whose ID starts with this.', example: 'team-a-' })
  @IsOptional()
  @IsEndpointIdPrefix()
  prefix?: string;

  @ApiPropertyOptional({ enum: ENDPOINT_SORT_KEYS, default: 'id' })
  @IsOptional()
  @IsIn(ENDPOINT_SORT_KEYS, { message: `sort must be one of ${ENDPOINT_SORT_KEYS.join(', ')}` })
  sort: EndpointSortKey = 'id';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: "Default: 'asc' for sort=id, 'desc' otherwise." })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 100 })
  // class-validator runs a property's checks bottom-up: IsInt first, so `limit=ten` says so.
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  @IsInt({ message: 'limit must be an integer' })
  limit = 100;

  @ApiPropertyOptional({ description: "The previous page's nextCursor." })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}
