using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

// Test-only reach into private state, for two purposes: reading a count the model compares (no public getter
// exists), and building the broken variants on the real types (each replaces one compare-and-swap by a
// read-then-write). If a field is renamed the accessor throws MissingFieldException and the test fails loudly.

/// <summary>Private state of <see cref="WorkerSignal"/>.</summary>
internal static class WorkerSignalAccess
{
    public static int Permits(WorkerSignal signal)
    {
        lock (Gate(signal))
        {
            return PermitsField(signal);
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_permits")]
    private static extern ref int PermitsField(WorkerSignal signal);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_gate")]
    private static extern ref Lock Gate(WorkerSignal signal);
}

/// <summary>Private state of <see cref="CircuitBreaker"/>.</summary>
internal static class CircuitBreakerAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_word")]
    public static extern ref long Word(CircuitBreaker breaker);
}

/// <summary>Private state of <see cref="PendingCall"/>.</summary>
internal static class PendingCallAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_state")]
    public static extern ref long State(PendingCall call);
}

/// <summary>Private state of <see cref="ServiceEndpoint"/>.</summary>
internal static class ServiceEndpointAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_leases")]
    public static extern ref int Leases(ServiceEndpoint endpoint);
}

/// <summary>Private state of <see cref="EndpointSlot"/>.</summary>
internal static class EndpointSlotAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_closed")]
    public static extern ref int Closed(EndpointSlot slot);
}

/// <summary>Private state of <see cref="QueueAdmission"/>.</summary>
internal static class QueueAdmissionAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_live")]
    public static extern ref int Live(QueueAdmission admission);
}

/// <summary>Private state of <see cref="McpSessionManager"/>.</summary>
internal static class McpSessionManagerAccess
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_session")]
    public static extern ref Task<McpSession>? Session(McpSessionManager manager);
}
