import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { IsEndpointId } from './endpoint-id.validator';

/** `:id` of a node route. Node IDs come from `cluster.node_id`, so any non-empty string up to 256. */
export class NodeIdParams {
  @ApiProperty({ example: 'gateway-k3x9q2a' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  id!: string;
}

/** `:id` of an endpoint route. */
export class EndpointIdParams {
  @ApiProperty({ example: 'my-service' })
  @IsEndpointId({ message: 'id must be an endpoint ID: 1 to 256 of A-Z a-z 0-9 . _ ~ -' })
  id!: string;
}

/** `:id` of an upstream session: the UUID its gateway gave it (UpstreamView.id). */
export class UpstreamIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be an upstream session ID (a UUID, as GET /api/v1/upstreams lists)' })
  id!: string;
}
