namespace Cortex.Mcp.Fast;

/// <summary>The call queue of one service: its workers, its capacity, what a full queue does, and when an overloaded
/// queue sheds calls.</summary>
/// <remarks>Configuration keys: <c>Queue:WorkerCount</c>, <c>Queue:Capacity</c>, <c>Queue:FullMode</c>,
/// <c>Queue:MaxWaiters</c>, <c>Queue:ShedTarget</c>, <c>Queue:ShedInterval</c>.</remarks>
public sealed class QueueOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal QueueOptions()
    {
    }

    private int _workerCount = 8;
    private int _capacity = 1024;
    private int _maxWaiters = 1024;
    private TimeSpan _shedTarget = TimeSpan.FromMilliseconds(5);
    private TimeSpan _shedInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets the number of worker loops that drain the service's queue.</summary>
    /// <value>The default value is 8. Must be between 1 and 1024.</value>
    public int WorkerCount
    {
        get => _workerCount;
        set => _workerCount = OptionRules.InRange(value, 1, 1024, nameof(WorkerCount), paramName: nameof(value));
    }

    /// <summary>Gets or sets how many live calls may wait in the queue (calls that already ended never count).</summary>
    /// <value>The default value is 1024. Must be between 1 and 1,048,576.</value>
    public int Capacity
    {
        get => _capacity;
        set => _capacity = OptionRules.InRange(value, 1, 1 << 20, nameof(Capacity), paramName: nameof(value));
    }

    /// <summary>
    /// Gets or sets how many callers may wait for room while the queue is full in <see cref="QueueFullMode.Wait"/>
    /// mode; one more fails at once with <see cref="QueueFullException"/> (each waiter holds a pooled call and its
    /// arguments, so a stalled service cannot gather callers without limit).
    /// </summary>
    /// <value>The default value is 1024. Must be between 0 and 1,048,576.</value>
    public int MaxWaiters
    {
        get => _maxWaiters;
        set => _maxWaiters = OptionRules.InRange(value, 0, 1 << 20, nameof(MaxWaiters), paramName: nameof(value));
    }

    /// <summary>Gets or sets what a full queue does with a new call, and whether an overloaded queue sheds calls.</summary>
    /// <value>The default value is <see cref="QueueFullMode.Shed"/>: a full queue refuses at once, and a queue whose
    /// calls have waited longer than <see cref="ShedTarget"/> for a whole <see cref="ShedInterval"/> refuses the calls
    /// that waited longer than <see cref="ShedTarget"/> (<see cref="QueueFullException"/>), so accepted calls keep a
    /// short queueing delay under overload instead of every call waiting to its deadline.</value>
    public QueueFullMode FullMode { get; set; } = QueueFullMode.Shed;

    /// <summary>
    /// Gets or sets the queueing delay the queue aims to stay under (CoDel's target): in <see cref="QueueFullMode.Shed"/>
    /// mode, once calls have waited longer than this for a whole <see cref="ShedInterval"/>, every new call that waits
    /// longer than this is refused when a worker reaches it.
    /// </summary>
    /// <value>The default value is 5 ms (CoDel's). Must be between 100 µs and 1 minute.</value>
    public TimeSpan ShedTarget
    {
        get => _shedTarget;
        set => _shedTarget = OptionRules.InRange(value, TimeSpan.FromMicroseconds(100), TimeSpan.FromMinutes(1), nameof(ShedTarget), "100 µs and 1 minute");
    }

    /// <summary>
    /// Gets or sets how long the queueing delay must stay above <see cref="ShedTarget"/> before the queue sheds, and
    /// below it before shedding stops (CoDel's interval): bursts shorter than this are absorbed, not shed.
    /// </summary>
    /// <value>The default value is 100 ms (CoDel's). Must be between 1 ms and 1 hour.</value>
    public TimeSpan ShedInterval
    {
        get => _shedInterval;
        set => _shedInterval = OptionRules.InRange(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), nameof(ShedInterval), "1 ms and 1 hour");
    }

    internal QueueOptions Clone() => (QueueOptions)MemberwiseClone();
}
