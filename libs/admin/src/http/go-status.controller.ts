import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GoEndpointCounts, GoNode, GoNodeMetadata } from '../api';
import { NodeIdParams } from '../dto/id.params';
import { GoNodeDoc, GoNodeMetadataDoc } from '../openapi/response-docs';
import { ClusterReader } from '../service/cluster-reader';

/**
 * Go Piko's status API at its paths and in its shapes (server/cluster/status.go,
 * server/upstream/status.go), over the whole cluster (docs/admin-api.md says what differs).
 */
@ApiTags('go-piko-status')
@Controller('status')
export class GoStatusController {
  constructor(private readonly reader: ClusterReader) {}

  @Get('cluster/nodes')
  @ApiOperation({ summary: "Go Piko's node list (NodeMetadata)" })
  @ApiOkResponse({ type: GoNodeMetadataDoc, isArray: true })
  nodes(): Promise<GoNodeMetadata[]> {
    return this.reader.goNodes();
  }

  @Get('cluster/nodes/:id')
  @ApiOperation({ summary: "Go Piko's node (Node); `local` is the node answering" })
  @ApiOkResponse({ type: GoNodeDoc })
  async node(@Param() { id }: NodeIdParams): Promise<GoNode> {
    const node = await this.reader.goNode(id);
    if (!node) throw new NotFoundException(`no node ${id}`);
    return node;
  }

  @Get('upstream/endpoints')
  @ApiOperation({ summary: 'Endpoint ID → upstream count, over the cluster' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: { type: 'integer' }, example: { 'my-service': 2 } } })
  endpoints(): Promise<GoEndpointCounts> {
    return this.reader.goEndpoints();
  }
}
