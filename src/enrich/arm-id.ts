/** Names derived from ARM resource ids, in the shapes Traffic Analytics shows them. */

/** `<resourceGroup>/<name>` from `/subscriptions/s/resourceGroups/rg/.../name`, or null. */
export function armName(id: string | null): string | null {
  const m = id ? /\/resourcegroups\/([^/]+)\/.*\/([^/]+)$/i.exec(id) : null;
  return m ? `${m[1]}/${m[2]}` : null;
}

/** `<resourceGroup>/<vnet>/<subnet>` from a subnet id, or null. */
export function subnetName(id: string | null): string | null {
  const m = id
    ? /\/resourcegroups\/([^/]+)\/.*\/virtualnetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(id)
    : null;
  return m ? `${m[1]}/${m[2]}/${m[3]}` : null;
}
