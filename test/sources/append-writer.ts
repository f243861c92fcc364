import type { ContainerClient } from '@azure/storage-blob';

const HEADER = '{"records":[';
const TRAILER = ']}';

/** The storage path of one NIC's hour, as Azure names VNet flow-log blobs. */
export function flowLogBlobName(root: string, hour: number, mac: string): string {
  const d = new Date(hour);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${root}y=${d.getUTCFullYear()}/m=${p2(d.getUTCMonth() + 1)}/d=${p2(d.getUTCDate())}/h=${p2(d.getUTCHours())}/m=00/macAddress=${mac}/PT1H.json`;
}

/** A VNet flow log v4 record of one minute, with its tuples in one flow group. */
export function v4RecordText(mac: string, timeMs: number, tuples: readonly string[]): string {
  return JSON.stringify({
    time: new Date(timeMs).toISOString().replace('Z', '0000Z'),
    flowLogVersion: 4,
    flowLogGUID: '66aa66aa-0000-4000-8000-000000000001',
    macAddress: mac,
    category: 'FlowLogFlowEvent',
    flowLogResourceID:
      '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-VNET',
    targetResourceID:
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-hub',
    operationName: 'FlowLogFlowEvent',
    flowRecords: {
      flows: [
        { aclID: 'acl-1', flowGroups: [{ rule: 'DefaultRule_AllowInternetOutBound', flowTuples: tuples }] },
      ],
    },
  });
}

/**
 * Appends records to PT1H.json block blobs the way Azure does: the first block is `{"records":[`,
 * each record is a block of its own (with a leading comma after the first), the last block is `]}`,
 * and every append stages one block and commits the whole, longer block list, so the `]}` moves
 * to the new end and every earlier byte stays where it was.
 */
export class AppendWriter {
  private readonly blobs = new Map<string, string[]>();
  private seq = 0;

  constructor(readonly container: ContainerClient) {}

  /** Appends one record; resolves when the new block list is committed. */
  async append(name: string, record: string): Promise<void> {
    const blob = this.container.getBlockBlobClient(name);
    let ids = this.blobs.get(name);
    if (!ids) {
      ids = [];
      this.blobs.set(name, ids);
      await this.stage(blob, 'header', HEADER);
      await this.stage(blob, 'trailer', TRAILER);
    }
    const id = this.id(String(++this.seq));
    await blob.stageBlock(id, Buffer.from(ids.length === 0 ? record : `,${record}`), 0);
    ids.push(id);
    await blob.commitBlockList([this.id('header'), ...ids, this.id('trailer')]);
  }

  /** Forgets a blob (after a test deletes or rewrites it another way). */
  forget(name: string): void {
    this.blobs.delete(name);
  }

  private async stage(
    blob: ReturnType<ContainerClient['getBlockBlobClient']>,
    key: string,
    text: string,
  ): Promise<void> {
    await blob.stageBlock(this.id(key), Buffer.from(text), text.length);
  }

  /** Block ids of one blob must all have the same length. */
  private id(key: string): string {
    return Buffer.from(key.padStart(12, '0')).toString('base64');
  }
}
