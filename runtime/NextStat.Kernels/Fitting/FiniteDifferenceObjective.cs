namespace NextStat.Kernels.Fitting;

/// <summary>A function of a parameter vector; must be safe to call from several threads at once.</summary>
public delegate double ObjectiveFunction(ReadOnlySpan<double> parameters);

/// <summary>
/// An <see cref="IObjective"/> for a model that only gives values: the gradient comes from central differences,
/// computed in parallel over parameters when <c>maxDegreeOfParallelism</c> &gt; 1 (each component is computed the
/// same way whatever the split, so the result does not depend on the thread count).
/// </summary>
public sealed class FiniteDifferenceObjective : IObjective
{
    private readonly ObjectiveFunction _function;
    private readonly int _maxDegreeOfParallelism;

    /// <summary>Wraps <paramref name="function"/> of <paramref name="dimension"/> parameters.</summary>
    public FiniteDifferenceObjective(int dimension, ObjectiveFunction function, int maxDegreeOfParallelism = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        Dimension = dimension;
        _function = function;
        _maxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public IObjectiveEvaluator CreateEvaluator() => new Evaluator(this);

    private sealed class Evaluator : IObjectiveEvaluator
    {
        private readonly FiniteDifferenceObjective _owner;
        private readonly double[] _point;
        private readonly double[] _gradient;
        private readonly double[][] _workerPoints;
        private readonly Action<int> _block;
        private readonly int _blocks;

        public Evaluator(FiniteDifferenceObjective owner)
        {
            _owner = owner;
            int n = owner.Dimension;
            _point = new double[n];
            _gradient = new double[n];
            _blocks = Math.Max(1, Math.Min(owner._maxDegreeOfParallelism, n));
            _workerPoints = new double[_blocks][];
            for (int w = 0; w < _blocks; w++)
            {
                _workerPoints[w] = new double[n];
            }

            // Kept in a field so that a parallel gradient allocates no closure per call.
            _block = ComputeBlock;
        }

        public double Value(ReadOnlySpan<double> parameters) => _owner._function(parameters);

        public double ValueAndGradient(ReadOnlySpan<double> parameters, Span<double> gradient)
        {
            double value = _owner._function(parameters);
            parameters.CopyTo(_point);
            if (_blocks == 1)
            {
                ComputeBlock(0);
            }
            else
            {
                // The fit workers' pool: a minimizer asks for a gradient every iteration, and a pool thread that has just
                // computed one is still awake for the next.
                FitWorkers.For(_blocks, _blocks, _block);
            }

            _gradient.AsSpan(0, parameters.Length).CopyTo(gradient);
            return value;
        }

        private void ComputeBlock(int block)
        {
            int n = _point.Length;
            int from = (int)((long)n * block / _blocks);
            int to = (int)((long)n * (block + 1) / _blocks);
            double[] x = _workerPoints[block];
            _point.CopyTo(x, 0);
            for (int i = from; i < to; i++)
            {
                _gradient[i] = FiniteDifferences.CentralDerivative(_owner._function, x, i);
            }
        }
    }
}

/// <summary>Finite-difference derivatives of value-only functions.</summary>
public static class FiniteDifferences
{
    // ε^(1/3) and ε^(1/4) of double: the steps that balance truncation and rounding for first and second
    // central differences of a function with unit-scale derivatives.
    private const double FirstDerivativeStep = 6.0554544523933395e-6;
    private const double SecondDerivativeStep = 1.2207031250000000e-4;

    /// <summary>The central-difference gradient of <paramref name="function"/> at <paramref name="x"/>, in parallel over parameters.</summary>
    public static void Gradient(ObjectiveFunction function, ReadOnlySpan<double> x, Span<double> gradient, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(function);
        CheckLengths(x, gradient);
        double[] result = ParallelOverParameters(x, maxDegreeOfParallelism, (point, i) => CentralDerivative(function, point, i));
        result.CopyTo(gradient);
    }

    /// <summary>
    /// The diagonal of the Hessian of <paramref name="function"/> at <paramref name="x"/> by second central
    /// differences, in parallel over parameters.
    /// </summary>
    public static void HessianDiagonal(ObjectiveFunction function, ReadOnlySpan<double> x, Span<double> diagonal, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(function);
        CheckLengths(x, diagonal);
        double f0 = function(x);
        double[] result = ParallelOverParameters(x, maxDegreeOfParallelism, (point, i) =>
        {
            double xi = point[i];
            double h = SecondDerivativeStep * Math.Max(1.0, Math.Abs(xi));
            point[i] = xi + h;
            double plus = function(point);
            point[i] = xi - h;
            double minus = function(point);
            point[i] = xi;
            return (plus - (2.0 * f0) + minus) / (h * h);
        });
        result.CopyTo(diagonal);
    }

    /// <summary>∂f/∂x_i by central differences; <paramref name="x"/> is restored afterwards.</summary>
    internal static double CentralDerivative(ObjectiveFunction function, double[] x, int i)
    {
        double xi = x[i];
        double h = FirstDerivativeStep * Math.Max(1.0, Math.Abs(xi));
        x[i] = xi + h;
        double plus = function(x);
        x[i] = xi - h;
        double minus = function(x);
        x[i] = xi;
        return (plus - minus) / (2.0 * h);
    }

    private static double[] ParallelOverParameters(ReadOnlySpan<double> x, int maxDegreeOfParallelism, Func<double[], int, double> component)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        int n = x.Length;
        double[] origin = x.ToArray();
        double[] result = new double[n];
        int blocks = Math.Max(1, Math.Min(maxDegreeOfParallelism, n));
        FitWorkers.For(blocks, blocks, block =>
        {
            double[] point = (double[])origin.Clone();
            int from = (int)((long)n * block / blocks);
            int to = (int)((long)n * (block + 1) / blocks);
            for (int i = from; i < to; i++)
            {
                result[i] = component(point, i);
            }
        });
        return result;
    }

    private static void CheckLengths(ReadOnlySpan<double> x, Span<double> output)
    {
        if (x.Length != output.Length)
        {
            throw new ArgumentException($"the output has {output.Length} entries but the point {x.Length}", nameof(output));
        }
    }
}
