namespace Cortex.Mcp.Fast;

/// <summary>The call queue of one service: its workers, its capacity and what a full queue does.</summary>
/// <remarks>Configuration keys: <c>Queue:WorkerCount</c>, <c>Queue:Capacity</c>, <c>Queue:FullMode</c>.</remarks>
public sealed class QueueOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal QueueOptions()
    {
    }

    private int _workerCount = 8;
    private int _capacity = 1024;

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

    /// <summary>Gets or sets what a full queue does with a new call.</summary>
    /// <value>The default value is <see cref="QueueFullMode.Wait"/> (until the call's deadline).</value>
    public QueueFullMode FullMode { get; set; } = QueueFullMode.Wait;

    internal QueueOptions Clone() => (QueueOptions)MemberwiseClone();
}
