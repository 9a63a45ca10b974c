import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsEndpointId } from './endpoint-id.validator';

/** `GET /api/v1/upstreams` query (docs/admin-api.md). */
export class ListUpstreamsQuery {
  @ApiPropertyOptional({ description: 'Only sessions of this endpoint.', example: 'my-service' })
  @IsOptional()
  @IsEndpointId()
  endpoint?: string;

  @ApiPropertyOptional({ description: 'Only sessions on this gateway (node ID).', example: 'gateway-k3x9q2a' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  node?: string;
}
