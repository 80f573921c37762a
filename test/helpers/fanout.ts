/** Seeds a fan-out through the core: an organization with `targets` members, a zone, and a group of `users` users. */
import type { Caller, Core } from "../../src/core/index.js";

export interface Fanout {
  targets: number[];
  zoneId: string;
  groupId: string;
}

export async function seedFanout(core: Core, caller: Caller, opts: { users: number; targets: number; zoneName: string }): Promise<Fanout> {
  await core.organizations.create(caller);
  const { org } = (await core.organizations.findMembership(caller.accountUin))!;
  const targets: number[] = [];
  for (let i = 0; i < opts.targets; i++) {
    targets.push(await core.organizations.createMember(caller, { name: `m${i}`, accountName: `m${i}`, policyType: "Financial", permissionIds: [1, 2, 7], nodeId: org.root_node_id }));
  }
  const zone = await core.directories.open(caller, opts.zoneName);
  const group = await core.groups.create(caller, zone.directoryId, { groupName: "everyone" });
  for (let i = 0; i < opts.users; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, opts.users - i) }, async (_, j) => {
        const { user } = await core.users.create(caller, zone.directoryId, { userName: `user${i + j}`, email: `user${i + j}@example.com` });
        await core.groups.addMember(caller, zone.directoryId, group.groupId, user.userId);
      }),
    );
  }
  return { targets, zoneId: zone.directoryId, groupId: group.groupId };
}
