package app

import "context"

// WithEraseHook returns ctx carrying a function that an erasure calls after each step it
// finishes; an error from it stops the erasure there, as a crash would (tests only).
func WithEraseHook(ctx context.Context, hook func(step string) error) context.Context {
	return context.WithValue(ctx, eraseHookKey{}, hook)
}

// EraseBeforeLease is the hook's name for the moment before an erasure takes its lease.
const EraseBeforeLease = eraseBeforeLease
