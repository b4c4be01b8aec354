export { GraphDouble, startGraphDouble, type GraphDoubleOptions, type DoubleGraphSettings } from './server';
export { faults, type Fault } from './faults';
export type { ItemChange, Delivery, SendOptions, LifecycleEvent } from './notifications';
export type { SubscriptionRecord, HandshakeRecord } from './subscriptions';
export type { UserSeed, GroupSeed, UserRecord } from './store';
export type { GraphArea, DoubleContext, NotificationTarget } from './context';
export type { ContactSeedOptions } from './contacts';
export type { MessageSeedOptions, AttachmentSeed } from './mail';
export { categoriesOf } from './users';
