import { generate } from '../synth/generate.js';
import { UsageError, type Command } from './command.js';
import { intOption, parse } from './parse.js';

/** The default end of the window: the start of the current UTC hour. */
export function currentHour(): Date {
  return new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
}

/** Parses --end, with a clear error for anything that is not a date. */
export function parseEnd(command: string, value: string | undefined): Date {
  if (value === undefined) return currentHour();
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `${command}: --end must be an ISO date such as 2026-11-23T12:00:00Z, got ${JSON.stringify(value)}`,
    );
  return d;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a synthetic Azure environment with labelled attacks',
  help: `Usage: vnetflow generate --out DIR [--seed N] [--hours H] [--end ISO] [--scale S] [--format vnet|nsg]

Writes a realistic synthetic Azure estate (hub and spokes over three subscriptions, VMs, an AKS
node pool, an App Service routed through the hub firewall, a web load balancer, ExpressRoute and
VPN to on-premises) and its traffic, with labelled attack scenarios:

  DIR/blobs/...            flow-log blobs in the real storage layout (VNet v4, or NSG v2)
  DIR/dns/...              DNS query logs (Azure DNS security policy shape)
  DIR/topology.json        ARM resources as Azure Resource Graph returns them
  DIR/service-tags.json    ServiceTags_Public-shaped Azure prefixes
  DIR/threat-intel.*       a STIX 2.1 bundle and a plain IP list
  DIR/ground-truth.json    each scenario with its IPs, ports, times, tuple counts and bytes

The same --seed and --end give byte-identical output.

Options:
  --out DIR        output folder (required; its blobs/ and dns/ are replaced)
  --seed N         random seed (default 1)
  --hours H        hours of traffic (default 24)
  --end ISO        end of the window (default: the start of the current UTC hour)
  --scale S        traffic multiplier; 1 is about 250k tuples a day, 40 is 10M+ (default 1)
  --format F       vnet (flow log v4, default) or nsg (legacy NSG flow log v2)
  -h, --help       show this help

Examples:
  vnetflow generate --out ./env
  vnetflow generate --out ./big --hours 48 --scale 20 --end 2026-11-01T00:00:00Z`,
  async run(argv) {
    const { values } = parse('generate', argv, {
      out: { type: 'string' },
      seed: { type: 'string' },
      hours: { type: 'string' },
      end: { type: 'string' },
      scale: { type: 'string' },
      format: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    const out = values.out as string | undefined;
    if (!out) throw new UsageError('generate: --out DIR is required (see vnetflow generate --help)');
    const scale = Number((values.scale as string | undefined) ?? '1');
    if (!(scale > 0 && scale <= 1000))
      throw new UsageError(
        `generate: --scale must be a number in (0, 1000], got ${JSON.stringify(values.scale)}`,
      );
    const format = (values.format as string | undefined) ?? 'vnet';
    if (format !== 'vnet' && format !== 'nsg')
      throw new UsageError(`generate: --format must be vnet or nsg, got ${JSON.stringify(format)}`);
    const result = generate({
      out,
      seed: intOption('generate', 'seed', values.seed as string | undefined, 1),
      hours: intOption('generate', 'hours', values.hours as string | undefined, 24, 1),
      end: parseEnd('generate', values.end as string | undefined),
      scale,
      format,
    });
    console.log(
      `wrote ${result.blobs.toLocaleString('en-US')} blobs, ${result.tuples.toLocaleString('en-US')} tuples to ${out} in ${result.seconds.toFixed(1)} s`,
    );
    return 0;
  },
};
