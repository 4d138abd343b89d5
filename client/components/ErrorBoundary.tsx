import { Component, type ReactNode } from 'react';
import ErrorAlert from './ErrorAlert';

interface Props {
  title: string;
  children: ReactNode;
}

/** Keeps a failing widget (e.g. a third-party card form) from blanking the whole page. */
export default class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (this.state.error) {
      return <ErrorAlert title={this.props.title} errors={[{ message: this.state.error.message || 'Unexpected error' }]} />;
    }
    return this.props.children;
  }
}
