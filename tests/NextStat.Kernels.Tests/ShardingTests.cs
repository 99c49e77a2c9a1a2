using Xunit;
using FsCheck;
using FsCheck.Xunit;
using NextStat.Kernels.Sharding;

namespace NextStat.Kernels.Tests;

public class ShardingTests
{
    [Property(MaxTest = 500)]
    public bool Ranges_partition_all_items_contiguously_and_balanced(NonNegativeInt items, PositiveInt jobs)
    {
        long total = items.Get % 100_000;
        int totalJobs = jobs.Get % 300 + 1;
        long next = 0;
        long smallest = long.MaxValue, largest = 0;
        for (int job = 1; job <= totalJobs; job++)
        {
            ShardRange range = ShardRange.For(total, job, totalJobs);
            if (range.Start != next || range.Count < 0)
            {
                return false;
            }
            next = range.End;
            smallest = Math.Min(smallest, range.Count);
            largest = Math.Max(largest, range.Count);
        }
        return next == total && largest - smallest <= 1;
    }

    [Property(MaxTest = 300)]
    public bool JobOf_inverts_the_ranges(PositiveInt items, PositiveInt jobs, NonNegativeInt pick)
    {
        long total = items.Get % 50_000 + 1;
        int totalJobs = jobs.Get % 200 + 1;
        long index = pick.Get % total;
        int job = ShardRange.JobOf(index, total, totalJobs);
        return ShardRange.For(total, job, totalJobs).Contains(index);
    }

    [Fact]
    public void Plan_example_ten_items_over_three_jobs()
    {
        Assert.Equal(new ShardRange(0, 4), ShardRange.For(10, 1, 3));
        Assert.Equal(new ShardRange(4, 3), ShardRange.For(10, 2, 3));
        Assert.Equal(new ShardRange(7, 3), ShardRange.For(10, 3, 3));
        Assert.Equal(new ShardRange(2, 0), ShardRange.For(2, 3, 3));
    }

    [Theory]
    [InlineData(10, 0, 3, "job id must be in 1..3, got 0")]
    [InlineData(10, 4, 3, "job id must be in 1..3, got 4")]
    [InlineData(10, 1, 0, "total job count must be at least 1, got 0")]
    public void Bad_job_numbers_are_named(long total, int jobId, int totalJobs, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ShardRange.For(total, jobId, totalJobs));
        Assert.Contains(message, e.Message);
    }

    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    [Fact]
    public void Slurm_task_position_handles_min_and_step()
    {
        // sbatch --array=0-6:2: ids 0, 2, 4, 6; COUNT 4.
        var env = Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_STEP", "2"));
        Assert.Equal(new JobAssignment(3, 4, "SLURM array"), JobArrayEnvironment.Resolve(null, null, null, env));

        var plain = Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "1"));
        Assert.Equal(2, JobArrayEnvironment.Resolve(null, null, null, plain)!.JobId);
    }

    [Fact]
    public void Explicit_flags_win_over_slurm_and_no_array_means_one_job()
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"));
        Assert.Equal(new JobAssignment(3, 5, "--job-id/--total-jobs"), JobArrayEnvironment.Resolve(3, 5, null, env));
        Assert.Null(JobArrayEnvironment.Resolve(null, null, null, Env()));
    }

    [Fact]
    public void Condor_process_is_zero_based()
    {
        Assert.Equal(new JobAssignment(1, 8, "HTCondor $(Process)"), JobArrayEnvironment.Resolve(null, 8, 0, Env()));
        Assert.Equal(8, JobArrayEnvironment.Resolve(null, 8, 7, Env())!.JobId);
        var e = Assert.Throws<ArgumentException>(() => JobArrayEnvironment.Resolve(null, 8, 8, Env()));
        Assert.Contains("--condor-process must be in 0..7", e.Message);
    }

    [Theory]
    [InlineData("5", "4", "1", "1", "task 5 of an array of SLURM_ARRAY_TASK_COUNT 4")]
    [InlineData("3", "4", "0", "2", "not on the array's grid")]
    [InlineData("x", "4", "0", "1", "SLURM_ARRAY_TASK_ID must be an integer")]
    public void Inconsistent_slurm_variables_are_named(string id, string count, string min, string step, string message)
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_COUNT", count), ("SLURM_ARRAY_TASK_MIN", min), ("SLURM_ARRAY_TASK_STEP", step));
        var e = Assert.Throws<ArgumentException>(() => JobArrayEnvironment.Resolve(null, null, null, env));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Half_given_flags_are_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => JobArrayEnvironment.Resolve(2, null, null, Env()));
        Assert.Contains("--job-id and --total-jobs must be given together", e.Message);
    }
}
