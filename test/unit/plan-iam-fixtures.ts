import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';

/** A VOMS user as the parser gives it, with only what a test cares about spelled out. */
export function vomsUser(id: number, over: Partial<VomsUser> = {}): VomsUser {
  return {
    id,
    name: 'Ada',
    surname: 'Lindqvist',
    institution: null,
    address: null,
    phoneNumber: null,
    email: `user${id}@example.org`,
    cernHrId: null,
    creationTime: null,
    endTime: null,
    suspended: false,
    suspensionReasonCode: null,
    suspensionReason: null,
    certificates: [{ subject: `/DC=org/DC=example/CN=User ${id}`, issuer: '/DC=org/DC=example/CN=Example CA', suspended: false, suspensionReason: null, creationTime: null }],
    fqans: ['/demo'],
    attributes: [],
    aupAcceptanceRecords: [],
    pendingSignAUPTask: null,
    ...over,
  };
}

export function iamUser(id: string, over: Partial<IamUser> = {}): IamUser {
  return {
    id,
    userName: id,
    givenName: 'Ada',
    familyName: 'Lindqvist',
    displayName: null,
    active: true,
    emails: [{ value: `${id}@example.org`, type: 'work', primary: true }],
    groups: [],
    certificates: [],
    oidcIds: [],
    samlIds: [],
    sshKeys: [],
    endTime: null,
    aupSignatureTime: null,
    serviceAccount: false,
    labels: [],
    attributes: [],
    created: null,
    lastModified: null,
    ...over,
  };
}

export function iamGroup(name: string, over: Partial<IamGroup> = {}): IamGroup {
  return { id: `g-${name}`, name, parentId: null, labels: [], memberIds: null, ...over };
}

export const idLabel = (vomsId: number, vo = 'demo') => ({ prefix: null, name: `voms.${vo}.id`, value: String(vomsId) });
