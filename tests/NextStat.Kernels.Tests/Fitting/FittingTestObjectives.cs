using NextStat.Kernels.Fitting;

namespace NextStat.Kernels.Tests.Fitting;

/// <summary>Value-and-gradient function on plain arrays, for writing test objectives briefly.</summary>
internal delegate double ValueAndGradientFunction(ReadOnlySpan<double> x, Span<double> gradient);

/// <summary>An objective from a delegate; evaluators hold nothing, so the delegate must be thread-safe.</summary>
internal sealed class DelegateObjective(int dimension, ValueAndGradientFunction function, double lowerBound = double.NegativeInfinity) : IObjective
{
    public int Dimension => dimension;

    public double LowerBound => lowerBound;

    public IObjectiveEvaluator CreateEvaluator() => new Evaluator(function);

    private sealed class Evaluator(ValueAndGradientFunction function) : IObjectiveEvaluator
    {
        public double Value(ReadOnlySpan<double> parameters) => function(parameters, new double[parameters.Length]);

        public double ValueAndGradient(ReadOnlySpan<double> parameters, Span<double> gradient) => function(parameters, gradient);
    }
}

internal static class FittingTestObjectives
{
    /// <summary>
    /// −2 ln of a multivariate normal density up to a constant: (x − μ)ᵀ Σ⁻¹ (x − μ), whose fit must give μ with
    /// covariance Σ exactly (errordef 1).
    /// </summary>
    public static DelegateObjective Gaussian(double[] mean, double[,] inverseCovariance)
    {
        int n = mean.Length;
        return new DelegateObjective(n, (x, g) =>
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double gi = 0;
                for (int j = 0; j < n; j++)
                {
                    gi += inverseCovariance[i, j] * (x[j] - mean[j]);
                }

                f += (x[i] - mean[i]) * gi;
                g[i] = 2 * gi;
            }

            return f;
        });
    }

    /// <summary>The n-dimensional Rosenbrock function, minimum 0 at (1, …, 1).</summary>
    public static DelegateObjective Rosenbrock(int n) => new(n, (x, g) =>
    {
        double f = 0;
        g.Clear();
        for (int i = 0; i < n - 1; i++)
        {
            double a = x[i + 1] - (x[i] * x[i]);
            double b = 1 - x[i];
            f += (100 * a * a) + (b * b);
            g[i] += (-400 * x[i] * a) - (2 * b);
            g[i + 1] += 200 * a;
        }

        return f;
    });

    public static double RosenbrockValue(ReadOnlySpan<double> x)
    {
        double f = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = x[i + 1] - (x[i] * x[i]);
            double b = 1 - x[i];
            f += (100 * a * a) + (b * b);
        }

        return f;
    }

    /// <summary>A Poisson counting likelihood 2Σ(λ_i − n_i ln λ_i) with λ_i = s·μ + b_i·θ_i and Gaussian constraints on θ.</summary>
    public static DelegateObjective PoissonWithConstraints(double[] counts, double[] signal, double[] background, double sigma) =>
        new(counts.Length + 1, (x, g) =>
        {
            double mu = x[0];
            double f = 0;
            g.Clear();
            for (int i = 0; i < counts.Length; i++)
            {
                double theta = x[i + 1];
                double lambda = (signal[i] * mu) + (background[i] * theta);
                f += 2 * (lambda - (counts[i] * Math.Log(lambda)));
                double dLambda = 2 * (1 - (counts[i] / lambda));
                g[0] += dLambda * signal[i];
                g[i + 1] += dLambda * background[i];
                f += (theta - 1) * (theta - 1) / (sigma * sigma);
                g[i + 1] += 2 * (theta - 1) / (sigma * sigma);
            }

            return f;
        });

    public static FitInput Bounded(int n, double start, double lower, double upper)
    {
        double[] initial = new double[n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        Array.Fill(initial, start);
        Array.Fill(lo, lower);
        Array.Fill(hi, upper);
        return new FitInput(initial, lo, hi);
    }
}

/// <summary>
/// An objective that records which evaluator each of its evaluators took over, to check how a minimizer hands scratch
/// from one objective to the next.
/// </summary>
internal sealed class HandoverObjective(DelegateObjective inner) : IObjective
{
    public List<IObjectiveEvaluator?> TakenOver { get; } = [];

    public int Dimension => inner.Dimension;

    public IObjectiveEvaluator CreateEvaluator()
    {
        TakenOver.Add(null);
        return inner.CreateEvaluator();
    }

    public IObjectiveEvaluator CreateEvaluator(IObjectiveEvaluator previous)
    {
        TakenOver.Add(previous);
        return inner.CreateEvaluator();
    }
}
