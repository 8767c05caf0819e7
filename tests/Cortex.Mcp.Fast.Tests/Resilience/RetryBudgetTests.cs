using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>The Finagle-style retry budget on a fake clock.</summary>
public sealed class RetryBudgetTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryWithdrawRetry_NoTraffic_FloorOnly()
    {
        var budget = Create(minPerSecond: 10, ratio: 0.2);

        Assert.Equal(100, Drain(budget)); // 10/s × 10 s
        Assert.Equal(0, budget.AvailableRetries);
    }

    [Fact]
    public void TryWithdrawRetry_WithTraffic_TwentyPercentOfRequests()
    {
        var budget = Create(minPerSecond: 0, ratio: 0.2);
        for (int i = 0; i < 100; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(20, budget.AvailableRetries, precision: 9);
        Assert.Equal(20, Drain(budget));
    }

    [Fact]
    public void TryWithdrawRetry_AfterTimeToLive_WithdrawalsExpireAndFloorReturns()
    {
        var budget = Create(minPerSecond: 1, ratio: 0.2);
        Assert.Equal(10, Drain(budget));

        _time.Advance(Ttl);

        Assert.Equal(10, Drain(budget));
    }

    [Fact]
    public void TryWithdrawRetry_AfterTimeToLive_RequestsExpire()
    {
        var budget = Create(minPerSecond: 0, ratio: 0.5);
        for (int i = 0; i < 10; i++)
        {
            budget.RecordRequest();
        }

        _time.Advance(Ttl);

        Assert.False(budget.TryWithdrawRetry());
    }

    [Fact]
    public void TryWithdrawRetry_Refused_DoesNotConsume()
    {
        var budget = Create(minPerSecond: 0, ratio: 0.2);
        Assert.False(budget.TryWithdrawRetry());
        Assert.False(budget.TryWithdrawRetry());

        for (int i = 0; i < 5; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(1, Drain(budget));
    }

    [Fact]
    public void TryWithdrawRetry_ManyThreads_NeverOverspends()
    {
        var budget = Create(minPerSecond: 5, ratio: 0);
        int granted = 0;

        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (budget.TryWithdrawRetry())
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.InRange(granted, 1, 50);
    }

    private RetryBudget Create(int minPerSecond, double ratio) => new(
        new RetryBudgetOptions { TimeToLive = Ttl, MinRetriesPerSecond = minPerSecond, RetryRatio = ratio },
        _time);

    private static int Drain(RetryBudget budget)
    {
        int granted = 0;
        while (granted < 10_000 && budget.TryWithdrawRetry())
        {
            granted++;
        }

        return granted;
    }
}
